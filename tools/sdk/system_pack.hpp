// system_pack.hpp — one bootable image: the hypervisor, then the packed system description and every VM's parts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signing.hpp"
#include "system_config.hpp"
#include "system_image.hpp"

namespace tessera::sdk {

/// Reads a whole file; throws std::runtime_error naming it.
std::vector<uint8_t> read_file(const std::string& path);

/// CRC-32 (IEEE, zlib's crc32()) of `size` bytes continuing from `crc`
/// (0 to start): what the description's header carries.
uint32_t crc32_of(uint32_t crc, const uint8_t* data, uint64_t size);

/// Who signs an image, and the security version it gets (anti-rollback).
struct Signer {
    const SigningKey& key;
    uint32_t security_version = 0;
};

/// Packs `sys` after the hypervisor image `hyp` (an arm64 Image whose
/// image_size covers its bss, stacks and boot pool): the description goes
/// where the boot pool ends, and image_size is patched to cover it. Builds
/// each Linux VM's device tree. Identical blobs (two VMs booting the same
/// kernel, initramfs or program) are stored once and both VMs' records point
/// at that one copy: the hypervisor only ever copies from them.
/// What cannot be packed (a file that cannot be read, a device tree that
/// cannot be built) is added to `errors` with the system file's line, for
/// every VM, and the result is then empty. With a `signer`, a manifest
/// signed with its key follows the description (manifest.hpp). Throws
/// std::runtime_error if `hyp` is not an unpacked hypervisor image.
std::vector<uint8_t> pack_system(const SystemConfig& sys, const std::vector<uint8_t>& hyp,
                                 std::vector<ConfigError>& errors, const Signer* signer = nullptr);

/// The checked header of a packed image's system description (magic,
/// version, size, CRC-32), and in `at` where the description starts. Throws
/// std::runtime_error saying what is wrong.
sysimg::Header packed_header(const std::vector<uint8_t>& image, uint64_t& at);

/// Describes a packed image: layout, sizes, every VM, which VMs share one
/// copy of a blob, and its signature (the signer's key fingerprint, the
/// security version, each part's digest). Throws std::runtime_error if
/// `image` is not one or does not check out — a signature or digest that
/// does not verify, or (with `signer`) a signer other than that key.
std::string inspect_image(const std::vector<uint8_t>& image, const PublicKey* signer = nullptr);

} // namespace tessera::sdk

// system_pack.hpp — one bootable image: the hypervisor, then the packed system description and every VM's parts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "system_config.hpp"
#include "system_image.hpp"

namespace tessera::sdk {

/// Reads a whole file; throws std::runtime_error naming it.
std::vector<uint8_t> read_file(const std::string& path);

/// Packs `sys` after the hypervisor image `hyp` (an arm64 Image whose
/// image_size covers its bss, stacks and boot pool): the description goes
/// where the boot pool ends, and image_size is patched to cover it. Builds
/// each Linux VM's device tree. Throws std::runtime_error on what cannot be
/// packed (e.g. an initramfs that does not fit in its VM's memory).
std::vector<uint8_t> pack_system(const SystemConfig& sys, const std::vector<uint8_t>& hyp);

/// The checked header of a packed image's system description (magic,
/// version, size, CRC-32), and in `at` where the description starts. Throws
/// std::runtime_error saying what is wrong.
sysimg::Header packed_header(const std::vector<uint8_t>& image, uint64_t& at);

/// Describes a packed image: layout, sizes, every VM. Throws
/// std::runtime_error if `image` is not one or does not check out.
std::string inspect_image(const std::vector<uint8_t>& image);

} // namespace tessera::sdk

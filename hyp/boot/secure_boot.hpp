// secure_boot.hpp — boot-only: the packed image's signature and every part's digest, checked before any VM exists.
#pragma once

#include "types.hpp"

namespace tessera {

/// What the check found, for the boot log (and later the measured-boot record).
struct BootVerdict {
    bool is_signed = false;
    bool anchored = false; ///< signed with the key in this hypervisor's image
    u32 security_version = 0;
    u8 fingerprint[8] = {}; ///< the first bytes of SHA-256 of the signer's public key
    u32 parts = 0;
    u8 manifest_digest[32] = {};      ///< what the signature covers (the measurement)
    const u8* part_records = nullptr; ///< the manifest's parts, in the image
};

/// Checks the signed manifest after the packed description `blob` (`mapped`
/// bytes hold both): its bounds, that the signer is this hypervisor's key
/// (if it has one), the ECDSA P-256 signature, that the parts are the
/// description's records and blobs that do not overlap, every part's
/// SHA-256, and that every blob a VM record names is one of them. Returns
/// nullptr and fills `out`, or why the image is refused, naming the part.
/// An unsigned image is refused only by a hypervisor with a key. Uses
/// BearSSL (Debian's libbearssl-dev:arm64); boot only.
const char* secure_boot_check(const u8* blob, u64 mapped, BootVerdict& out);

} // namespace tessera

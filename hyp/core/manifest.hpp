// manifest.hpp — the signed manifest `tessera build --key` appends after the packed description: what a secured
// boot checks before any guest runs (docs/secure-boot.md).
//
// Shared by the hypervisor and the host SDK. Little-endian, fixed size: a
// header, `part_count` parts — the description's own header and records
// first (hashed with its CRC field as 0: the CRC only catches accidents),
// then every blob the records name (each once), by offset — and an ECDSA
// P-256 signature (r || s) over SHA-256 of the header and the parts.
// The header carries the signer's public key, which a hypervisor with a key
// in its image (its ROM) must find equal to its own.
#pragma once

#include "types.hpp"

namespace tessera::sysimg {

inline constexpr u64 MANIFEST_MAGIC = 0x3130'4749'5353'4554ull; // "TESSIG01"
inline constexpr u32 SIG_ECDSA_P256_SHA256 = 1;
inline constexpr unsigned P256_POINT = 65;     ///< an uncompressed point: 0x04, x, y
inline constexpr unsigned P256_SIGNATURE = 64; ///< r || s
inline constexpr unsigned SHA256_BYTES = 32;
inline constexpr u32 MANIFEST_MAX_PARTS = 1024;

struct ManifestHeader {
    u64 magic;
    u32 part_count;
    u32 security_version; ///< for anti-rollback (signed and attested; not yet enforced by a counter)
    u32 scheme;           ///< SIG_ECDSA_P256_SHA256
    u32 reserved;
    u8 public_key[P256_POINT]; ///< the signer's
    u8 pad[7];
};
static_assert(sizeof(ManifestHeader) == 96);

struct ManifestPart {
    u64 offset; ///< in the description blob
    u64 size;
    u8 sha256[SHA256_BYTES];
};
static_assert(sizeof(ManifestPart) == 48);

/// Bytes of a manifest of `parts` parts, its signature included.
inline constexpr u64 manifest_bytes(u64 parts) {
    return sizeof(ManifestHeader) + parts * sizeof(ManifestPart) + P256_SIGNATURE;
}

} // namespace tessera::sysimg

// measurement.hpp — what the secured boot verified, kept for the guests: a measured-boot record in the spirit of a
// TPM's event log, which the security kernel signs into an attestation (docs/secure-boot.md).
#pragma once

#include "types.hpp"

namespace tessera {

struct BootMeasurement {
    bool present = false;  ///< the image was signed (and its signature and parts checked)
    bool anchored = false; ///< by the key in this hypervisor's image
    u32 security_version = 0;
    u32 part_count = 0;
    u8 manifest_digest[32] = {}; ///< SHA-256 of the signed manifest: it commits to every part's digest
    const u8* parts = nullptr;   ///< the manifest's parts (offset, size, SHA-256; read-only EL2 mapping)
};

/// Set once at boot, after the check; read by TESSERA_MEASUREMENT.
extern constinit BootMeasurement g_boot_measurement;

} // namespace tessera

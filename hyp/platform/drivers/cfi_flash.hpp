// cfi_flash.hpp — boot-only: a CFI NOR flash bank with the Intel/Sharp command set (QEMU virt's pflash), as the
// storage of the anti-rollback counter.
#pragma once

#include "version_counter.hpp"

namespace tessera::cfi_flash {

/// What the driver knows of a bank (kept by the caller for as long as it uses the flash).
struct Bank {
    u64 base = 0;
    u64 sector = 0; ///< bytes in one erase sector of the whole bank
    u32 lanes = 0;  ///< a 1 in the low byte of each chip's 16-bit lane: commands go to all of them
};

/// Probes the flash bank of `size` bytes at `base`, whose first `mapped`
/// bytes EL2 maps as device memory, with the CFI query, and gives the
/// counter its first two erase sectors, working through `bank`. Returns an
/// NvFlash with sector_size 0 when no CFI flash with the Intel command set
/// answers there or its geometry does not fit.
NvFlash open(Bank& bank, u64 base, u64 size, u64 mapped);

} // namespace tessera::cfi_flash

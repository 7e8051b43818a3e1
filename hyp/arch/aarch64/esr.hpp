// esr.hpp — decoding the Exception Syndrome Register (ARM ARM D17.2.37).
#pragma once

#include "types.hpp"

namespace tessera::arch {

namespace ec {
inline constexpr u32 unknown = 0x00;
inline constexpr u32 wfx = 0x01;
inline constexpr u32 cp15_mcr = 0x03;  ///< MCR/MRC to CP15, from a 32-bit process
inline constexpr u32 cp15_mcrr = 0x04; ///< MCRR/MRRC to CP15
inline constexpr u32 cp14_mcr = 0x05;  ///< MCR/MRC to CP14 (debug)
inline constexpr u32 cp14_ldc = 0x06;  ///< LDC/STC to CP14
inline constexpr u32 cp14_mrrc = 0x0c; ///< MRRC to CP14
inline constexpr u32 hvc64 = 0x16;
inline constexpr u32 smc64 = 0x17;
inline constexpr u32 sysreg = 0x18;
inline constexpr u32 sve = 0x19; ///< SVE instruction trapped by CPTR_EL2.TZ
inline constexpr u32 sme = 0x1d; ///< SME instruction trapped by CPTR_EL2.TSM
inline constexpr u32 iabt_lower = 0x20;
inline constexpr u32 iabt_same = 0x21;
inline constexpr u32 dabt_lower = 0x24;
inline constexpr u32 dabt_same = 0x25;
} // namespace ec

inline constexpr u32 esr_ec(u64 esr) { return static_cast<u32>(esr >> 26) & 0x3f; }
inline constexpr u32 esr_iss(u64 esr) { return static_cast<u32>(esr) & 0x1ffffff; }

/// A human name for exception class `ec`, for panic reports and logs.
const char* esr_class_name(u32 ec);

/// True for the abort classes, whose ISS carries a fault status code.
inline constexpr bool esr_is_abort(u32 c) {
    return c == ec::iabt_lower || c == ec::iabt_same || c == ec::dabt_lower || c == ec::dabt_same;
}

/// A human name for an abort's fault status code (ISS bits 5:0), without the level.
const char* esr_fault_name(u32 fsc);

} // namespace tessera::arch

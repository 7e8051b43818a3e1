// aarch32.hpp — what EL2 must know of a 32-bit process's state (AArch32 EL0 under a 64-bit guest kernel) to
// step it past a trapped instruction: its condition flags and its IT block.
#pragma once

#include "types.hpp"

namespace tessera::aarch32 {

/// Whether a saved PSTATE (SPSR_EL2) is of AArch32 state: SPSR.M[4].
constexpr bool from_aarch32(u64 spsr) { return (spsr & 0x10) != 0; }

/// Whether condition `cond` (the A32/T32 encoding, 0..15) holds for the
/// flags N Z C V in `spsr` (bits 31..28). A trapped conditional instruction
/// whose condition fails may still trap (the Arm ARM leaves it to the
/// core): EL2 must then step over it without doing anything.
constexpr bool condition_passed(u32 cond, u64 spsr) {
    const bool n = (spsr >> 31 & 1) != 0, z = (spsr >> 30 & 1) != 0;
    const bool c = (spsr >> 29 & 1) != 0, v = (spsr >> 28 & 1) != 0;
    bool holds = true;
    switch ((cond >> 1) & 7) {
    case 0: holds = z; break;            // EQ, NE
    case 1: holds = c; break;            // CS, CC
    case 2: holds = n; break;            // MI, PL
    case 3: holds = v; break;            // VS, VC
    case 4: holds = c && !z; break;      // HI, LS
    case 5: holds = n == v; break;       // GE, LT
    case 6: holds = n == v && !z; break; // GT, LE
    default: return true;                // AL (and 0b1111, also always)
    }
    return (cond & 1) != 0 ? !holds : holds;
}

/// The PSTATE after one instruction of an IT block has run (the Arm ARM's
/// ITAdvance). SPSR holds IT[7:2] in bits 15:10 and IT[1:0] in bits 26:25;
/// outside a block they are 0 and nothing changes. Without this, the rest of
/// the block would run under the trapped instruction's condition.
constexpr u64 it_advance(u64 spsr) {
    u32 it = static_cast<u32>((spsr >> 8) & 0xfc) | static_cast<u32>((spsr >> 25) & 3);
    if (it == 0) return spsr;
    it = (it & 7) == 0 ? 0 : (it & 0xe0) | ((it << 1) & 0x1f);
    spsr &= ~(0xfcull << 8 | 3ull << 25);
    return spsr | static_cast<u64>(it & 0xfc) << 8 | static_cast<u64>(it & 3) << 25;
}

/// The condition of the IT block's current instruction (IT[7:4]), or AL
/// outside a block.
constexpr u32 it_condition(u64 spsr) {
    const u32 it = static_cast<u32>((spsr >> 8) & 0xfc) | static_cast<u32>((spsr >> 25) & 3);
    return (it & 0xf) == 0 ? 0xe : it >> 4;
}

} // namespace tessera::aarch32

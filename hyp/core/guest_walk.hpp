// guest_walk.hpp — a guest's own stage-1 translation, walked in software through its RAM only: what EL2 needs to
// read the instruction at a guest's PC without an AT of its own, which could take an external abort at EL2.
#pragma once

#include "vm.hpp"

namespace tessera {

/// The EL1&0 stage-1 registers of a vCPU (live on its core while it is loaded).
struct Stage1Regs {
    u64 sctlr = 0, tcr = 0, ttbr0 = 0, ttbr1 = 0;
};

/// The IPA that `va` translates to through these stage-1 registers, each
/// table read from `vm`'s RAM: the VA itself with the MMU off. False if it
/// does not translate, a table lies outside the VM's RAM, or the regime is
/// one this walk does not do (a 16 or 64 KiB granule, big-endian tables).
/// Tables are read through vm_ram_at (what the guest never touched is filled first).
[[nodiscard]] bool guest_va_to_ipa(Vm& vm, const Stage1Regs& r, u64 va, u64& ipa);

} // namespace tessera

// progress.hpp — no silent trap loops: a vCPU whose exits keep it on the same instruction is stopped, with the reason.
#pragma once

#include "vm.hpp"

namespace tessera {

/// Exits in a row that may leave a vCPU on the same instruction (a retry is
/// normal once: the PMU claimed by its first access) before it counts as stuck.
inline constexpr u32 STALL_LIMIT = 1000;

/// An exit of `v` that began at guest PC `pc` left it there (an exception
/// injected into it moves it to its vector, unless that is `pc` itself): counts it; after STALL_LIMIT in a row its VM
/// stops with a message naming the PC and `what` (the trap). Returns false then.
bool note_stall(Vcpu& v, u64 pc, const char* what);

/// After a synchronous exit of `v` that began at guest PC `pc_before`: true if
/// it moved the vCPU on (the common case, decided inline on every exit);
/// otherwise note_stall() with the name `what()` gives, asked only then.
template <typename What> bool note_progress(Vcpu& v, u64 pc_before, What what) {
    if (v.ctx.regs.elr != pc_before) {
        v.stalls = 0;
        return true;
    }
    return note_stall(v, pc_before, what());
}

} // namespace tessera

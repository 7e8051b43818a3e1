// log_limit.hpp — a per-VM budget for the log lines a guest can cause: a burst, then silence until the next second.
//
// A stray access, a broken virtio ring or an unknown register is logged so
// that a developer sees it; a guest doing it in a loop must not flood the
// shared console, nor hold its lock against the other VMs' lines. Each VM
// gets LOG_BURST such lines per second; the rest are counted and said in
// one line when the next second's first one is.
#pragma once

#include "spinlock.hpp"
#include "types.hpp"

namespace tessera {

struct Vm;

inline constexpr u32 LOG_BURST = 10; ///< guest-caused lines per VM per second

struct LogLimit {
    Spinlock lock;
    u64 window_start = 0; ///< counter ticks at which the present second began
    u32 used = 0;         ///< lines in it so far
    u32 left_out = 0;     ///< lines refused since the last one allowed
};

/// Whether a line caused by `vm`'s guest may be logged now; if lines were
/// left out before it, says how many first. Any core.
bool guest_may_log(Vm& vm);

} // namespace tessera

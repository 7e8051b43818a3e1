// sched.hpp — per-core state and the vCPU scheduler: priorities, round robin, budgets, blocking.
#pragma once

#include <stddef.h>

#include <atomic>

#include "layout.hpp"
#include "relaxed_peek.hpp"
#include "sched_queue.hpp"
#include "spinlock.hpp"
#include "vm.hpp"

namespace tessera {

inline constexpr unsigned MAX_CORES = TESSERA_MAX_CORES;

/// Time slice of a vCPU among ready vCPUs of its priority on a shared core.
inline constexpr u64 SLICE_US = 1000;

/// One physical core. TPIDR_EL2 points here while the core runs.
struct PerCore {
    arch::GuestRegs* current_regs = nullptr; ///< first: the vectors save a guest here
    std::atomic<Vcpu*> current{nullptr};     ///< the vCPU running (or about to run) here; read by other cores
    Vcpu* loaded = nullptr;                  ///< whose EL1 registers are in the hardware
    // Guarded by queue_lock: other cores wake vCPUs into these.
    ReadyQueues<Vcpu> ready; ///< runnable vCPUs waiting for the core
    Fifo<Vcpu> throttled;    ///< runnable, but their VM's budget here is spent
    TimerList<Vcpu> timers;  ///< blocked vCPUs whose virtual timer will wake them
    Spinlock queue_lock;
    u64 timer_at = 0; ///< deadline the core's timer is armed for, 0 if none (arch::set_core_timer)
    /// The earliest watchdog deadline or restart of the VMs whose vCPU 0
    /// lives here (vm_health.hpp), 0 if none (so that g_cores stays in
    /// .bss); lowered by any core.
    std::atomic<u64> health_at{0};
    u64 slice_end = 0;  ///< counter value at which the current vCPU's slice ends
    u64 run_start = 0;  ///< counter value when the current vCPU was last charged
    bool yield = false; ///< the current vCPU asked to give way (WFE)
    /// Nothing besides the running vCPU wants this core before the core's
    /// timer fires (nothing queued, or only what waits for that: a lower
    /// priority, or its own with the timer armed for its slice's end) and
    /// no decision is due: set by a decision that finds it so (sched.cpp), cleared
    /// (unsettle()) by whatever could change the next one — a vCPU queued that may take the core, a
    /// sleeper's timer, a yield, a restart or watchdog brought forward, the
    /// core's timer firing. An exit that finds it set and its vCPU still
    /// runnable needs no decision (nothing_to_decide). (False, the zero of
    /// .bss, until the core's first decision.)
    std::atomic<bool> settled{false};
    /// A scheduling decision is under way (from its list-register drain to
    /// the vCPU it enters): no interrupt may go straight to a list register
    /// now (vgic.cpp), only while the current vCPU's exit is handled.
    bool deciding = false;
    u16 assigned = 0; ///< vCPUs that live on this core (> 1: WFI/WFE trap)
    u64 mpidr = 0;
    u64 stack_top = 0;
    u32 index = 0;
    std::atomic<bool> online{false};
};
static_assert(offsetof(PerCore, current_regs) == 0, "entry.S loads the save area from offset 0");

extern constinit PerCore g_cores[MAX_CORES];
extern constinit unsigned g_core_count;

/// Makes a runnable `v` wait for its core (from any core). The core is
/// unsettled and kicked only if `v` may take it before its timer fires (a
/// higher priority, an idle core, or cur's priority with no timer armed for
/// the slice's end: on its own core, the queuing arms it instead).
void core_enqueue(Vcpu& v);

/// This `core`'s current vCPU, if no longer runnable (its VM stopped or
/// restarting), is charged and let go: another core quiescing that VM does
/// not wait on this one (which may be waiting on that one). On `core`.
void let_go_of_stopped(PerCore& core);

/// Wakes a blocked `v` (an interrupt for it, or its timer): it becomes
/// runnable and queued. Does nothing if it is not blocked. Any core.
void vcpu_wake(Vcpu& v);

/// A guest's generic timer as its registers hold it (CNTx_CTL_EL0: ENABLE,
/// IMASK, ISTATUS; CNTx_CVAL_EL0).
struct GuestTimer {
    u64 ctl, cval;
};

/// The one of a vCPU's two timers (virtual, physical) that wakes it first:
/// one already raising its interrupt, else the earlier armed deadline.
GuestTimer earliest_timer(GuestTimer a, GuestTimer b);

/// Whether `t` raises its interrupt now (enabled, not masked, expired).
constexpr bool timer_asserted(GuestTimer t) { return (t.ctl & 7) == 5; }

/// The current vCPU `v` executed WFI: it sleeps until an interrupt is
/// pending for it or its timer (`timer_ctl`/`timer_cval`, as the hardware
/// holds them; earliest_timer() of both) fires. Called on its own core.
void vcpu_wait_for_interrupt(Vcpu& v, u64 timer_ctl, u64 timer_cval);

/// The current vCPU executed WFE: it gives way to ready vCPUs of its
/// priority (a guest spinning on a lock lets the holder run).
void vcpu_yield(Vcpu& v);

/// Marks `core` unsettled: its next exit asks for a scheduling decision.
/// Any core; before the kick that makes it look, if any.
inline void unsettle(PerCore& core) { core.settled.store(false, std::memory_order_seq_cst); }

/// The common exit: the current vCPU `cur` keeps a core nobody else wants,
/// with no budget or timer to look after — decided without the lock or the
/// clock, from PerCore::settled and its state. Inline and relaxed: every
/// exit asks, and a change racing with the look kicks the core, whose guest
/// exits again at once. On `core`.
[[gnu::always_inline]] inline bool nothing_to_decide(const PerCore& core, const Vcpu& cur) {
    return relaxed_peek(core.settled) && relaxed_peek(cur.state) == VcpuState::runnable;
}

/// Whether the exit `core` is handling may go straight back into `v`, the
/// vCPU whose registers its hardware holds (PerCore::loaded), without a
/// scheduling decision: nothing_to_decide(), and its state is still all in
/// the core (no reload asked for, nothing borrowed its FP registers
/// meanwhile). Its list registers are the arch's to bring up to date
/// (filled again if its VM's vGIC changed). Loads only, relaxed as above. On `core`.
[[nodiscard, gnu::always_inline]] inline bool may_resume(const PerCore& core, const Vcpu& v) {
    return core.loaded == &v && nothing_to_decide(core, v) && !relaxed_peek(v.reload);
}

/// Runs the most urgent ready vCPU of `core` — the current one keeps the
/// core until its slice ends, it blocks or stops, or a higher priority one
/// is ready — or idles until one appears or the machine powers off. Arms the
/// core's timer for the next decision. Never returns.
[[noreturn]] void schedule(PerCore& core);

} // namespace tessera

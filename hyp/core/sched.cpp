// sched.cpp — the vCPU scheduler: fixed priorities, round robin in a level, CPU budgets, WFI blocking.
//
// Each core decides for itself, on every exit from a guest and whenever its
// timer fires. Other cores only wake vCPUs into its ready queue (under its
// queue_lock) and kick it. Time is counter ticks.
#include "sched.hpp"

#include "arch.hpp"
#include "vgic.hpp"
#include "vm_health.hpp"

namespace tessera {

constinit PerCore g_cores[MAX_CORES];
constinit unsigned g_core_count = 0;

namespace {

bool is(const Vcpu& v, VcpuState s) { return v.state.load(std::memory_order_acquire) == s; }

[[gnu::always_inline]] inline Budget* budget_of(Vcpu& v) { return v.budgeted ? &v.vm->budget[v.core] : nullptr; }

/// A time slice in counter ticks (the counter's rate is read once: every
/// core's is the same, so whichever core stores it first stores the value
/// all would).
u64 slice_ticks() {
    static constinit u64 ticks = 0;
    u64 t = relaxed_peek_word(ticks);
    if (t == 0) {
        t = arch::us_to_ticks(SLICE_US);
        __atomic_store_n(&ticks, t, __ATOMIC_RELAXED);
    }
    return t;
}

/// Moves blocked vCPUs whose timer is due, and throttled ones whose budget
/// came back, to the ready queues (lock held).
void release_due(PerCore& core, u64 now) {
    while (Vcpu* v = core.timers.pop_due(now)) {
        VcpuState expected = VcpuState::blocked;
        if (v->state.compare_exchange_strong(expected, VcpuState::runnable, std::memory_order_acq_rel,
                                             std::memory_order_acquire)) {
            core.ready.push(*v);
        }
    }
    if (core.throttled.empty()) return; // (most cores have nothing throttled)
    Fifo<Vcpu> still;
    while (Vcpu* v = core.throttled.pop()) {
        if (!is(*v, VcpuState::runnable)) continue;
        if (budget_of(*v)->remaining(now) > 0)
            core.ready.push(*v);
        else
            still.push(*v);
    }
    while (Vcpu* v = still.pop()) core.throttled.push(*v);
}

/// The first ready vCPU that may run now; drops stale entries and parks
/// vCPUs whose budget is spent (lock held).
Vcpu* peek_eligible(PerCore& core, u64 now) {
    while (Vcpu* v = core.ready.peek()) {
        if (!is(*v, VcpuState::runnable)) {
            core.ready.pop();
            continue;
        }
        Budget* b = budget_of(*v);
        if (b != nullptr && b->remaining(now) == 0) {
            core.ready.pop();
            core.throttled.push(*v);
            continue;
        }
        return v;
    }
    return nullptr;
}

/// When the core must decide again while `next` runs (~0: not before an interrupt).
u64 next_decision(PerCore& core, Vcpu* next, u64 now) {
    u64 at = core.timers.earliest();
    if (const u64 health = core.health_at.load(std::memory_order_acquire); health != 0 && health < at) at = health;
    for (Vcpu* v = core.throttled.head(); v != nullptr; v = v->next) {
        const u64 refill = budget_of(*v)->next_period(now);
        if (refill < at) at = refill;
    }
    if (next == nullptr) return at;
    // Round robin: only when another vCPU of its priority waits.
    if (Vcpu* other = core.ready.peek(); other != nullptr && other->priority == next->priority) {
        if (core.slice_end < at) at = core.slice_end;
    }
    if (Budget* b = budget_of(*next)) {
        const u64 out = now + b->remaining(now);
        if (out < at) at = out;
    }
    return at;
}

/// Picks what runs next on `core` (lock held).
Vcpu* decide(PerCore& core, u64 now) {
    Vcpu* cur = core.current.load(std::memory_order_relaxed); // (this core writes it)
    if (cur != nullptr) {
        if (Budget* b = budget_of(*cur)) b->charge(now, now - core.run_start);
    }
    core.run_start = now;
    release_due(core, now);

    bool keep = cur != nullptr && is(*cur, VcpuState::runnable);
    if (keep) {
        if (Budget* b = budget_of(*cur); b != nullptr && b->remaining(now) == 0) {
            core.throttled.push(*cur);
            keep = false;
        }
    }
    Vcpu* best = peek_eligible(core, now);
    if (keep && best != nullptr) {
        const bool higher = best->priority > cur->priority;
        const bool turn = best->priority == cur->priority && (now >= core.slice_end || core.yield);
        if (higher || turn) {
            core.ready.push(*cur); // back of its level
            keep = false;
        }
    }
    core.yield = false;
    if (keep) return cur;
    Vcpu* next = best != nullptr ? core.ready.pop() : nullptr;
    if (next != nullptr) core.slice_end = now + slice_ticks();
    return next;
}

/// Whether `w`, ready on `core` while `cur` runs there, cannot want the
/// core before the core's timer fires (which unsettles it): a lower
/// priority, or cur's with the timer armed for cur's slice end at the
/// latest. Any core, the lock held. (The timer and slice end are the core's
/// own to write, under the lock but for two writes, hence the relaxed
/// loads: its timer firing disarms it and then unsettles the core, so a
/// stale deadline seen here only defers the wake-up to that decision; a
/// restart's scrub moves the slice end later, never earlier.)
bool waits_for_timer(const PerCore& core, const Vcpu& cur, const Vcpu& w) {
    if (w.priority != cur.priority) return w.priority < cur.priority;
    const u64 at = relaxed_peek_word(core.timer_at);
    return at != 0 && at <= relaxed_peek_word(core.slice_end);
}

/// Whether `v`, just queued on `core` while `cur` runs there, may wait
/// without a decision: waits_for_timer(), or — its own core queuing a vCPU
/// of cur's priority, as a vCPU waking its sibling does — once the timer is
/// armed here and now for the slice's end, the one thing a decision would
/// have done (the lock held).
bool may_wait(PerCore& core, const Vcpu& cur, const Vcpu& v) {
    if (waits_for_timer(core, cur, v)) return true;
    if (v.priority != cur.priority || v.core != arch::this_core()) return false;
    arch::set_core_timer(core.slice_end);
    return true;
}

} // namespace

void let_go_of_stopped(PerCore& core) {
    Vcpu* cur = core.current.load(std::memory_order_relaxed); // (this core writes it)
    if (cur == nullptr || is(*cur, VcpuState::runnable) || is(*cur, VcpuState::blocked)) return;
    core.deciding = true; // (the decision that follows ends it)
    arch::lrs_drain(core);
    LockGuard guard(core.queue_lock);
    const u64 now = arch::now_ticks();
    if (Budget* b = budget_of(*cur)) b->charge(now, now - core.run_start);
    core.run_start = now;
    core.current.store(nullptr, std::memory_order_release);
}

void core_enqueue(Vcpu& v) {
    PerCore& core = g_cores[v.core];
    {
        LockGuard guard(core.queue_lock);
        // The core's current vCPU is looked at again before anything queued.
        Vcpu* cur = core.current.load(std::memory_order_relaxed); // (lock held)
        if (cur != &v) core.ready.push(v);
        if (cur != nullptr && cur != &v && is(*cur, VcpuState::runnable) && may_wait(core, *cur, v)) return;
        unsettle(core);
    }
    arch::kick_core(v.core);
}

void vcpu_wake(Vcpu& v) {
    VcpuState expected = VcpuState::blocked;
    if (!v.state.compare_exchange_strong(expected, VcpuState::runnable, std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
        return;
    }
    core_enqueue(v);
}

GuestTimer earliest_timer(GuestTimer a, GuestTimer b) {
    constexpr u64 ENABLE = 1, IMASK = 2;
    const bool a_armed = (a.ctl & (ENABLE | IMASK)) == ENABLE, b_armed = (b.ctl & (ENABLE | IMASK)) == ENABLE;
    if (!b_armed) return a;
    if (!a_armed || timer_asserted(b)) return b;
    if (timer_asserted(a)) return a;
    return b.cval < a.cval ? b : a;
}

void vcpu_wait_for_interrupt(Vcpu& v, u64 timer_ctl, u64 timer_cval) {
    constexpr u64 ENABLE = 1, IMASK = 2, ISTATUS = 4;
    const bool timer_armed = (timer_ctl & (ENABLE | IMASK)) == ENABLE;
    if (timer_armed && (timer_ctl & ISTATUS) != 0) return; // already due: nothing to wait for
    // Blocks unless an interrupt is already pending; decided under the vGIC
    // lock, so an interrupt injected meanwhile sees `blocked` and wakes it.
    if (!vgic_block_unless_pending(v)) return;
    if (timer_armed) {
        PerCore& core = g_cores[v.core];
        LockGuard guard(core.queue_lock);
        v.wake_at = timer_cval;
        core.timers.insert(v);
        unsettle(core);
    }
}

void vcpu_yield(Vcpu& v) {
    PerCore& core = g_cores[v.core];
    core.yield = true;
    unsettle(core);
}

namespace {

/// After a decision for `next` (lock held, the core's timer armed): whether
/// its exits may skip the next one — nothing queued that could take the
/// core before its timer fires (waits_for_timer), nothing throttled or
/// asleep with a timer here, `next` has no budget to charge, and any restart
/// or watchdog due is one the core's timer is armed for already (its firing
/// unsettles the core).
bool quiet_after(const PerCore& core, const Vcpu* next, u64 health) {
    if (next == nullptr || next->budgeted || core.yield || !core.throttled.empty() || !core.timers.empty())
        return false;
    if (health != 0 && (core.timer_at == 0 || core.timer_at > health)) return false;
    const Vcpu* waiting = core.ready.peek();
    return waiting == nullptr || waits_for_timer(core, *next, *waiting);
}

/// The scheduling decision itself, when the quick look found one to make:
/// kept out of schedule() so that the common exit pays none of its frame.
[[noreturn, gnu::noinline]] void decide_and_run(PerCore& core) {
    // The vGIC model must hold everything before the decision may run
    // another vCPU here (or a restart reset this one), and keep it.
    core.deciding = true;
    arch::lrs_drain(core);
    for (;;) {
        // Restarts and watchdogs due (outside the lock: a restart queues its vCPU 0); most cores have none.
        if (core.health_at.load(std::memory_order_relaxed) != 0) {
            let_go_of_stopped(core);
            vm_health_run(core);
        }
        Vcpu* next = nullptr;
        {
            LockGuard guard(core.queue_lock);
            const u64 now = arch::now_ticks();
            next = decide(core, now);
            core.current.store(next, std::memory_order_release); // vm_reset waits for it to change
            arch::set_core_timer(next_decision(core, next, now));
            // (Another core brings a restart or watchdog forward without
            // this lock: it stores the deadline, then unsettles. Seen on the
            // second look, or its unsettle comes after this store.)
            const u64 health = core.health_at.load(std::memory_order_seq_cst);
            const bool quiet = quiet_after(core, next, health);
            core.settled.store(quiet, std::memory_order_seq_cst);
            if (quiet && core.health_at.load(std::memory_order_seq_cst) != health) unsettle(core);
        }
        if (next != nullptr) {
            core.deciding = false;
            arch::run_vcpu(core, *next);
        }
        // Nothing to run: sleep, do not spin (a spinning core steals the
        // others' time under emulation and burns power on a chip).
        arch::idle_wait();
    }
}

} // namespace

void schedule(PerCore& core) {
    Vcpu* cur = core.current.load(std::memory_order_relaxed); // (this core writes it)
    if (cur != nullptr && nothing_to_decide(core, *cur)) arch::run_vcpu(core, *cur);
    decide_and_run(core);
}

} // namespace tessera

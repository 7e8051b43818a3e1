// test_sched.cpp — the scheduler's decisions on the fake machine: priorities, round robin, WFI/WFE, budgets, idling
// and the core timer armed for the next decision.
#include <gtest/gtest.h>

#include "fake_system.hpp"
#include "vgic.hpp"

using namespace tessera;
using tessera::test::FakeSystem;

namespace {

constexpr u64 TIMER_ENABLE = 1, TIMER_IMASK = 2, TIMER_ISTATUS = 4;
constexpr u64 NO_TIMER = ~0ull;

u64 us(u64 n) { return arch::us_to_ticks(n); }
void at_us(u64 n) { arch::fake::machine().ticks = us(n); }
u64 timer(unsigned core) { return arch::fake::machine().timer[core]; }
unsigned kicks(unsigned core) { return arch::fake::machine().kicks[core].load(); }

/// `v` (its core's current vCPU) executes WFI with its virtual timer as given.
void wfi(Vcpu& v, u64 ctl = 0, u64 cval = 0) {
    arch::fake::machine().core = v.core;
    vcpu_wait_for_interrupt(v, ctl, cval);
}

// WFI sleeps until the earlier of the two timers: an expired one first, then
// the earlier armed deadline; a disabled or masked timer never wakes it.
TEST(Sched, EarliestOfTheTwoTimers) {
    const GuestTimer off{0, 10}, masked{TIMER_ENABLE | TIMER_IMASK, 5}, at50{TIMER_ENABLE, 50}, at70{TIMER_ENABLE, 70},
        due{TIMER_ENABLE | TIMER_ISTATUS, 90};
    EXPECT_EQ(earliest_timer(at50, at70).cval, 50u);
    EXPECT_EQ(earliest_timer(at70, at50).cval, 50u);
    EXPECT_EQ(earliest_timer(off, at70).cval, 70u);
    EXPECT_EQ(earliest_timer(at70, off).cval, 70u);
    EXPECT_EQ(earliest_timer(masked, at70).cval, 70u);
    EXPECT_EQ(earliest_timer(at50, due).cval, 90u); // already raising its interrupt
    EXPECT_TRUE(timer_asserted(earliest_timer(at50, due)));
    EXPECT_FALSE(timer_asserted(earliest_timer(off, masked)));
}

// A woken vCPU of a higher priority takes the core at once (well inside the
// running vCPU's slice), and its waker kicks that core.
TEST(Sched, HigherPriorityReadyVcpuPreemptsAtOnce) {
    FakeSystem sys({{"lo", {1}, 1}, {"hi", {1}, 5}});
    Vcpu& lo = sys.vcpu(0, 0);
    Vcpu& hi = sys.vcpu(1, 0);
    ASSERT_EQ(FakeSystem::run(1), &hi); // queued after lo, runs first
    wfi(hi);
    ASSERT_EQ(hi.state, VcpuState::blocked);
    ASSERT_EQ(FakeSystem::run(1), &lo);
    at_us(100);
    const unsigned before = kicks(1);
    vcpu_wake(hi);
    EXPECT_EQ(kicks(1), before + 1);
    EXPECT_EQ(FakeSystem::run(1), &hi);
    wfi(hi); // lo went back to the ready queue, not lost
    EXPECT_EQ(FakeSystem::run(1), &lo);
}

// A woken vCPU of a lower priority waits: the running one keeps the core.
TEST(Sched, WokenLowerPriorityVcpuDoesNotPreempt) {
    FakeSystem sys({{"lo", {1}, 1}, {"hi", {1}, 5}});
    Vcpu& lo = sys.vcpu(0, 0);
    Vcpu& hi = sys.vcpu(1, 0);
    ASSERT_EQ(FakeSystem::run(1), &hi);
    wfi(hi);
    ASSERT_EQ(FakeSystem::run(1), &lo);
    wfi(lo);
    ASSERT_EQ(FakeSystem::run(1), nullptr);
    vcpu_wake(hi);
    ASSERT_EQ(FakeSystem::run(1), &hi);
    vcpu_wake(lo);
    at_us(5 * SLICE_US); // even long after: priorities, not slices, decide
    EXPECT_EQ(FakeSystem::run(1), &hi);
    wfi(hi);
    EXPECT_EQ(FakeSystem::run(1), &lo);
}

// Equal priorities take turns only when the slice has ended; the core timer
// is armed for the slice's end while another vCPU of that priority waits.
TEST(Sched, EqualPrioritiesRoundRobinWhenTheSliceEnds) {
    FakeSystem sys({{"a", {1}, 3}, {"b", {1}, 3}});
    Vcpu& a = sys.vcpu(0, 0);
    Vcpu& b = sys.vcpu(1, 0);
    ASSERT_EQ(FakeSystem::run(1), &a);
    EXPECT_EQ(timer(1), us(SLICE_US));
    at_us(SLICE_US - 1);
    EXPECT_EQ(FakeSystem::run(1), &a);
    EXPECT_EQ(timer(1), us(SLICE_US));
    at_us(SLICE_US);
    EXPECT_EQ(FakeSystem::run(1), &b);
    EXPECT_EQ(timer(1), us(2 * SLICE_US));
    at_us(2 * SLICE_US);
    EXPECT_EQ(FakeSystem::run(1), &a);
}

// A vCPU woken onto a busy core by a vCPU of that core needs no decision
// unless it may take the core before the core's timer fires: one of the
// running vCPU's priority only has the timer armed for the slice's end (the
// one thing a decision would do), one of a lower priority nothing; neither
// kicks. From another core, one of the same priority with no timer armed
// for the slice's end unsettles the core and kicks it; then the round robin
// goes on at the slice's end as ever.
TEST(Sched, AWokenVcpuThatMustWaitForTheTimerLeavesTheCoreSettled) {
    FakeSystem sys({{"a", {1}, 3}, {"b", {1}, 3}, {"lo", {1}, 1}});
    Vcpu& a = sys.vcpu(0, 0);
    Vcpu& b = sys.vcpu(1, 0);
    Vcpu& lo = sys.vcpu(2, 0);
    PerCore& core = g_cores[1];
    ASSERT_EQ(FakeSystem::run(1), &a);
    wfi(a);
    ASSERT_EQ(FakeSystem::run(1), &b);
    wfi(b);
    ASSERT_EQ(FakeSystem::run(1), &lo);
    wfi(lo);
    ASSERT_EQ(FakeSystem::run(1), nullptr);
    vcpu_wake(a);
    ASSERT_EQ(FakeSystem::run(1), &a); // alone: no timer, settled
    ASSERT_EQ(timer(1), NO_TIMER);
    ASSERT_TRUE(nothing_to_decide(core, a));
    const u64 slice_end = core.slice_end;

    at_us(10);
    const unsigned before = kicks(1);
    arch::fake::machine().core = 1; // (a sends b an interrupt)
    vcpu_wake(b);
    EXPECT_EQ(timer(1), slice_end);
    vcpu_wake(lo);
    EXPECT_TRUE(nothing_to_decide(core, a));
    EXPECT_EQ(kicks(1), before);
    EXPECT_EQ(FakeSystem::run(1), &a);
    arch::fake::machine().ticks = slice_end; // the timer fires: b's turn
    EXPECT_EQ(FakeSystem::run(1), &b);
    EXPECT_EQ(timer(1), core.slice_end);

    // From another core, with no timer armed for the slice's end: a decision.
    wfi(b);
    ASSERT_EQ(FakeSystem::run(1), &a);
    wfi(a);
    ASSERT_EQ(FakeSystem::run(1), &lo);
    ASSERT_EQ(timer(1), NO_TIMER);
    vcpu_wake(a); // (a higher priority: at once)
    EXPECT_FALSE(nothing_to_decide(core, lo));
    ASSERT_EQ(FakeSystem::run(1), &a);
    ASSERT_EQ(timer(1), NO_TIMER);
    arch::fake::machine().core = 0;
    const unsigned before_remote = kicks(1);
    vcpu_wake(b);
    EXPECT_EQ(kicks(1), before_remote + 1);
    EXPECT_FALSE(nothing_to_decide(core, a));
    EXPECT_EQ(FakeSystem::run(1), &a);
    EXPECT_EQ(timer(1), core.slice_end);
    EXPECT_TRUE(nothing_to_decide(core, a));
}

// WFE gives way to a vCPU of the same priority before the slice ends.
TEST(Sched, WfeYieldsToTheSamePriority) {
    FakeSystem sys({{"a", {1}, 3}, {"b", {1}, 3}});
    ASSERT_EQ(FakeSystem::run(1), &sys.vcpu(0, 0));
    at_us(10);
    vcpu_yield(sys.vcpu(0, 0));
    EXPECT_EQ(FakeSystem::run(1), &sys.vcpu(1, 0));
    at_us(20); // the yield was used up: b keeps its slice
    EXPECT_EQ(FakeSystem::run(1), &sys.vcpu(1, 0));
}

// A vCPU alone on its core needs no decision: the core timer is disarmed.
TEST(Sched, VcpuAloneOnItsCoreArmsNoTimer) {
    FakeSystem sys({{"solo", {2}, 7}});
    arch::fake::machine().timer[2] = 123;
    EXPECT_EQ(FakeSystem::run(2), &sys.vcpu(0, 0));
    EXPECT_EQ(timer(2), NO_TIMER);
    at_us(10 * SLICE_US);
    EXPECT_EQ(FakeSystem::run(2), &sys.vcpu(0, 0));
}

// A core with no vCPU of its own idles, and arms no timer.
TEST(Sched, CoreWithNothingIdles) {
    FakeSystem sys({{"one", {1}}});
    arch::fake::machine().timer[0] = 123;
    EXPECT_EQ(FakeSystem::run(0), nullptr);
    EXPECT_EQ(timer(0), NO_TIMER);
    EXPECT_EQ(FakeSystem::run(3), nullptr);
    EXPECT_EQ(FakeSystem::run(1), &sys.vcpu(0, 0));
}

// WFI blocks; the core wakes itself at the virtual timer's deadline and the
// sleeper (higher priority) runs again exactly then.
TEST(Sched, WfiBlocksUntilTheVirtualTimerFires) {
    FakeSystem sys({{"rt", {1}, 5}, {"bg", {1}, 1}});
    Vcpu& rt = sys.vcpu(0, 0);
    Vcpu& bg = sys.vcpu(1, 0);
    ASSERT_EQ(FakeSystem::run(1), &rt);
    wfi(rt, TIMER_ENABLE, us(500));
    EXPECT_EQ(rt.state, VcpuState::blocked);
    EXPECT_EQ(FakeSystem::run(1), &bg);
    EXPECT_EQ(timer(1), us(500));
    at_us(499);
    EXPECT_EQ(FakeSystem::run(1), &bg);
    at_us(500);
    EXPECT_EQ(FakeSystem::run(1), &rt);
    EXPECT_EQ(rt.state, VcpuState::runnable);
}

// With every vCPU asleep the core idles, its timer armed for the earliest
// wake-up; a masked timer wakes nobody; a timer already fired does not block.
TEST(Sched, IdleCoreWakesForTheEarliestSleeper) {
    FakeSystem sys({{"a", {2}}, {"b", {2}}});
    Vcpu& a = sys.vcpu(0, 0);
    Vcpu& b = sys.vcpu(1, 0);
    ASSERT_EQ(FakeSystem::run(2), &a);
    wfi(a, TIMER_ENABLE, us(300));
    ASSERT_EQ(FakeSystem::run(2), &b);
    wfi(b, TIMER_ENABLE | TIMER_IMASK, us(100)); // masked: sleeps until an interrupt
    EXPECT_EQ(FakeSystem::run(2), nullptr);
    EXPECT_EQ(timer(2), us(300));
    at_us(300);
    EXPECT_EQ(FakeSystem::run(2), &a);
    wfi(a, TIMER_ENABLE | TIMER_ISTATUS, us(200)); // already due: no sleep
    EXPECT_EQ(a.state, VcpuState::runnable);
    EXPECT_EQ(b.state, VcpuState::blocked);
}

// An injected interrupt wakes a vCPU blocked in WFI without a timer, and
// the core is kicked to run it.
TEST(Sched, WfiWakesOnAnInjectedInterrupt) {
    FakeSystem sys({{"rt", {1}, 5}, {"bg", {1}, 1}});
    Vcpu& rt = sys.vcpu(0, 0);
    ASSERT_EQ(FakeSystem::run(1), &rt);
    wfi(rt);
    ASSERT_EQ(FakeSystem::run(1), &sys.vcpu(1, 0));
    EXPECT_EQ(timer(1), NO_TIMER); // nothing to wake it but an interrupt
    at_us(5000);
    EXPECT_EQ(FakeSystem::run(1), &sys.vcpu(1, 0));
    const unsigned before = kicks(1);
    vgic_inject(rt, 3);
    EXPECT_EQ(rt.state, VcpuState::runnable);
    EXPECT_EQ(kicks(1), before + 1);
    EXPECT_EQ(FakeSystem::run(1), &rt);
}

// A VM over its budget is throttled whatever its priority, and runs again
// at the next period; the core timer marks both moments.
TEST(Sched, BudgetThrottlesAndRefillsNextPeriod) {
    FakeSystem sys({{"capped", {1}, 5, 2000, 10000}, {"bg", {1}, 1}});
    Vcpu& capped = sys.vcpu(0, 0);
    Vcpu& bg = sys.vcpu(1, 0);
    ASSERT_EQ(FakeSystem::run(1), &capped);
    EXPECT_EQ(timer(1), us(2000));
    at_us(1999);
    EXPECT_EQ(FakeSystem::run(1), &capped);
    EXPECT_EQ(timer(1), us(2000));
    at_us(2000);
    EXPECT_EQ(FakeSystem::run(1), &bg);
    EXPECT_EQ(timer(1), us(10000));
    at_us(9999);
    EXPECT_EQ(FakeSystem::run(1), &bg);
    at_us(10000);
    EXPECT_EQ(FakeSystem::run(1), &capped);
    EXPECT_EQ(timer(1), us(12000));
}

// Only time actually run is charged: a capped vCPU that slept keeps the rest
// of its budget for later in the period.
TEST(Sched, BudgetChargesOnlyTimeRun) {
    FakeSystem sys({{"capped", {1}, 5, 2000, 10000}, {"bg", {1}, 1}});
    Vcpu& capped = sys.vcpu(0, 0);
    ASSERT_EQ(FakeSystem::run(1), &capped);
    at_us(1000);
    wfi(capped);
    ASSERT_EQ(FakeSystem::run(1), &sys.vcpu(1, 0));
    at_us(5000);
    vcpu_wake(capped);
    EXPECT_EQ(FakeSystem::run(1), &capped);
    EXPECT_EQ(timer(1), us(6000)); // 1000 us left
    at_us(6000);
    EXPECT_EQ(FakeSystem::run(1), &sys.vcpu(1, 0));
}

// A capped VM alone on its core: when its budget is spent the core idles
// until the refill, rather than letting it run on.
TEST(Sched, ThrottledAloneTheCoreIdlesUntilTheRefill) {
    FakeSystem sys({{"capped", {3}, 0, 500, 1000}});
    ASSERT_EQ(FakeSystem::run(3), &sys.vcpu(0, 0));
    at_us(500);
    EXPECT_EQ(FakeSystem::run(3), nullptr);
    EXPECT_EQ(timer(3), us(1000));
    at_us(1000);
    EXPECT_EQ(FakeSystem::run(3), &sys.vcpu(0, 0));
}

// The exit fast path (sched.hpp, may_resume): a vCPU alone on its core with
// nothing new goes straight back into its guest; everything that could change
// the decision or its list registers sends the exit down the full path.
TEST(Sched, AnExitResumesDirectlyOnlyWhenNothingCanChangeTheDecision) {
    FakeSystem sys({{"a", {1}, 1}, {"b", {1}, 5}, {"capped", {2}, 1, 500, 1000}});
    Vcpu& a = sys.vcpu(0, 0);
    Vcpu& b = sys.vcpu(1, 0);
    PerCore& core = g_cores[1];
    ASSERT_EQ(FakeSystem::run(1), &b); // the higher priority first
    wfi(b, TIMER_ENABLE, us(500));     // asleep, until its timer
    ASSERT_EQ(FakeSystem::run(1), &a);
    core.loaded = &a; // (as the arch's run_vcpu leaves it)
    LrEntry picked[4];
    bool more = false;
    (void)vgic_pick(a, picked, 4, more); // (what its entry did: nothing waits)
    // A sleeper's timer on this core: the full path looks after it.
    EXPECT_FALSE(may_resume(core, a));
    at_us(500);
    ASSERT_EQ(FakeSystem::run(1), &b);
    wfi(b); // (asleep, no timer)
    ASSERT_EQ(FakeSystem::run(1), &a);
    EXPECT_TRUE(may_resume(core, a));

    // An interrupt for another vCPU of this core wakes it: the full path
    // decides (b has the higher priority and must run now).
    arch::fake::machine().core = 0; // (injected from another core)
    vgic_inject(b, 1);
    arch::fake::machine().core = 1;
    EXPECT_FALSE(may_resume(core, a));
    ASSERT_EQ(FakeSystem::run(1), &b);
    wfi(b);
    ASSERT_EQ(FakeSystem::run(1), &a);
    (void)vgic_pick(a, picked, 4, more);
    EXPECT_TRUE(may_resume(core, a));

    // An interrupt for the running vCPU, from another core: no decision,
    // but its list registers must be filled again (its quiet look ended:
    // the vGIC's generation is no longer the one it recorded then).
    arch::fake::machine().core = 0;
    vgic_inject(a, 2);
    arch::fake::machine().core = 1;
    EXPECT_TRUE(may_resume(core, a));
    EXPECT_NE(a.vm->vgic.generation.load(), a.vgic.quiet_at);
    (void)vgic_pick(a, picked, 4, more); // (what its entry does: tessera_resume, run_vcpu)
    EXPECT_EQ(a.vm->vgic.generation.load(), a.vgic.quiet_at);

    // A yield (WFE), a reset of its state, its VM stopping, its FP
    // registers borrowed: each needs the full path.
    vcpu_yield(a);
    EXPECT_FALSE(may_resume(core, a));
    ASSERT_EQ(FakeSystem::run(1), &a);
    EXPECT_TRUE(may_resume(core, a));
    a.reload.store(true);
    EXPECT_FALSE(may_resume(core, a));
    a.reload.store(false);
    a.state.store(VcpuState::stopped);
    EXPECT_FALSE(may_resume(core, a));
    a.state.store(VcpuState::runnable);
    EXPECT_TRUE(may_resume(core, a));
    core.loaded = nullptr; // (something borrowed the FP registers: fp_borrow)
    EXPECT_FALSE(may_resume(core, a));

    // A vCPU with a CPU budget: every exit charges it, so none skips the decision.
    Vcpu& capped = sys.vcpu(2, 0);
    ASSERT_EQ(FakeSystem::run(2), &capped);
    g_cores[2].loaded = &capped;
    (void)vgic_pick(capped, picked, 4, more);
    EXPECT_FALSE(may_resume(g_cores[2], capped));
}

} // namespace

// timers.cpp — a guest's two EL1 timers as on bare metal: the physical timer works (also for two vCPUs sharing one
// core), and an interrupt whose timer was disabled before the guest took it never arrives.
#include "gic.hpp"
#include "kit.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u32 VTIMER = 27, PTIMER = 30;
constexpr u32 TICKS = 20; // timer interrupts each vCPU takes

struct PerVcpu {
    volatile u32 ticks = 0;    // its physical timer's interrupts
    volatile u32 early = 0;    // taken before the deadline, or with the timer not raising it
    volatile u32 other = 0;    // any other interrupt
    volatile u64 deadline = 0; // counter value of its next physical timer interrupt
};
PerVcpu g_cpu[2];
volatile u32 g_withdraw_seen = 0; // timer interrupts taken in the withdrawal check
volatile u32 g_cpu1_done = 0;

u64 vcpu() {
    u64 mpidr;
    asm volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    return mpidr & 0xff;
}

u64 period(u64 index) { return kit::counter_frequency() / 1000 * (2 + index); } // 2 ms on vCPU 0, 3 ms on 1

void ptimer_at(u64 cval) { asm volatile("msr cntp_cval_el0, %0; msr cntp_ctl_el0, %1; isb" ::"r"(cval), "r"(1ull)); }

u64 ptimer_ctl() {
    u64 v;
    asm volatile("mrs %0, cntp_ctl_el0" : "=r"(v));
    return v;
}

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false;
    PerVcpu& me = g_cpu[vcpu()];
    for (u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) {
        if (id == PTIMER && g_withdraw_seen == 0 && me.deadline != 0) {
            // Raised by its own timer: enabled, expired, not before its deadline.
            if ((ptimer_ctl() & 5) != 5 || kit::counter() < me.deadline) me.early = me.early + 1;
            me.ticks = me.ticks + 1;
            if (me.ticks < TICKS) {
                me.deadline = me.deadline + period(vcpu());
                ptimer_at(me.deadline);
            } else {
                asm volatile("msr cntp_ctl_el0, %0; isb" ::"r"(0ull));
            }
        } else if (id == PTIMER || id == VTIMER) {
            g_withdraw_seen = g_withdraw_seen + 1;
        } else {
            me.other = me.other + 1;
        }
        kit::gic::end(id);
    }
    return true;
}

/// Takes TICKS physical-timer interrupts, one per period, sleeping in WFI.
void run_ptimer(u64 index) {
    PerVcpu& me = g_cpu[index];
    kit::gic::enable(PTIMER, static_cast<unsigned>(index));
    me.deadline = kit::counter() + period(index);
    ptimer_at(me.deadline);
    kit::gic::irq_on();
    for (u64 spin = 0; me.ticks < TICKS; ++spin) {
        asm volatile("wfi");
        if (spin > 100'000'000) kit::check(false, "the physical timer interrupts arrive");
    }
    kit::gic::irq_off();
}

void cpu1_main(u64) {
    kit::gic::init_cpu(1);
    run_ptimer(1);
    g_cpu1_done = 1;
}

/// Spins for `us` microseconds of counter time.
void spin_us(u64 us) {
    const u64 end = kit::counter() + kit::counter_frequency() / 1'000'000 * us;
    while (kit::counter() < end) {}
}

} // namespace

int main() {
    kit::set_exception_handler(on_irq);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);

    // 1. Both vCPUs (sharing one core) run their physical timers at once:
    //    each gets its own interrupts, none early, none missing.
    kit::check(kit::start_cpu(1, cpu1_main, 0) == 0, "CPU_ON starts vCPU 1");
    const u64 start = kit::counter();
    run_ptimer(0);
    for (u64 spin = 0; g_cpu1_done == 0; ++spin) {
        asm volatile("yield");
        if (spin > 1'000'000'000) kit::check(false, "vCPU 1 finishes");
    }
    const u64 ms = (kit::counter() - start) * 1000 / kit::counter_frequency();
    kit::print("physical timer: vcpu 0 took %u interrupts, vcpu 1 %u, %u early, %u stray, in %llu ms\n", g_cpu[0].ticks,
               g_cpu[1].ticks, g_cpu[0].early + g_cpu[1].early, g_cpu[0].other + g_cpu[1].other,
               static_cast<unsigned long long>(ms));
    kit::check(g_cpu[0].ticks == TICKS && g_cpu[1].ticks == TICKS, "each vCPU's physical timer interrupts arrive");
    kit::check(g_cpu[0].early + g_cpu[1].early == 0, "no interrupt before its deadline or without its timer");
    kit::check(g_cpu[0].other + g_cpu[1].other == 0, "no stray interrupt");

    // 2. Each timer expires while interrupts are masked (the hypervisor
    //    forwards it), then the guest disables it before taking it: after an
    //    exit, with interrupts unmasked, nothing must arrive.
    g_cpu[0].deadline = 0;
    kit::gic::enable(VTIMER, 0);
    constexpr u32 TIMERS[] = {VTIMER, PTIMER};
    for (const u32 timer : TIMERS) {
        const u64 due = kit::counter() + kit::counter_frequency() / 1000;
        if (timer == VTIMER)
            asm volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(due), "r"(1ull));
        else
            ptimer_at(due);
        spin_us(3000); // expired, and long enough for the hypervisor to have taken it
        asm volatile("msr cntv_ctl_el0, xzr; msr cntp_ctl_el0, xzr; isb" ::: "memory");
        (void)kit::vm_info(); // an exit
        kit::gic::irq_on();
        spin_us(2000);
        kit::gic::irq_off();
    }
    kit::print("disabled timers: %u interrupts taken after the timer was off\n", g_withdraw_seen);
    kit::check(g_withdraw_seen == 0, "a disabled timer's interrupt is withdrawn");
    kit::pass();
}

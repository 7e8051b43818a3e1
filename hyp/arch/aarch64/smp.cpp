// smp.cpp (aarch64) — inter-core signals, idling, and the halt that follows a panic.
#include "smp.hpp"

#include "boot_only.hpp"

#include <atomic>

#include "arch.hpp"
#include "gicv3.hpp"
#include "id_regs.hpp"
#include "sysreg.hpp"
#include "ticks.hpp"
#include "vgic.hpp"

namespace tessera::arch {

namespace {
constinit std::atomic<u32> g_stopped{0}; ///< cores that have halted on a stop request
constinit u32 g_device_intid = 1023;
void (*g_device_handler)() = nullptr;

/// The EL2 physical timer's PPI (CNTHP): the scheduler's time slices and budgets.
constexpr u32 HYP_TIMER_INTID = 26;

/// A timer (virtual or EL1 physical) of the vCPU loaded on this core fired:
/// forward it. The physical interrupt stays active until the guest
/// deactivates the virtual one (HW list register), so it cannot fire again
/// meanwhile.
void forward_timer(PerCore& core, u32 intid) {
    // The timers in the hardware are the loaded vCPU's, also when it sleeps
    // in WFI (the interrupt wakes it) or waits for its turn.
    Vcpu* v = core.loaded;
    const VcpuState s = v != nullptr ? v->state.load(std::memory_order_acquire) : VcpuState::off;
    if (s == VcpuState::runnable || s == VcpuState::blocked) {
        vgic_inject(*v, intid, true);
        return;
    }
    // Nobody to deliver to: silence the timer and finish the interrupt here.
    if (intid == VGIC_VTIMER_INTID)
        cntv_ctl_el0::write(0);
    else
        cntp_ctl_el0::write(0);
    gic_deactivate(intid);
}

[[noreturn]] void halt_this_core(PerCore& core) {
    log_force("core %u stopped", core.index);
    g_stopped.fetch_add(1u, std::memory_order_acq_rel);
    dsb_ish();
    sev();
    for (;;) wfi(); // interrupts stay masked: nothing wakes it for good
}
} // namespace

TESSERA_BOOT_ONLY void set_device_irq(u32 intid, void (*handler)()) {
    g_device_intid = intid;
    g_device_handler = handler;
}

void handle_core_interrupt(PerCore& core, u32 intid) {
    gic_end(intid); // priority drop; deactivation is separate (EOImode 1)
    if (intid == VGIC_VTIMER_INTID || intid == VGIC_PTIMER_INTID) {
        forward_timer(core, intid);
        return;
    }
    if (intid == HYP_TIMER_INTID) { // the scheduler's deadline: schedule() re-arms it
        set_core_timer(~0ull);
        unsettle(core);
        gic_deactivate(intid);
        return;
    }
    if (intid >= 32 && intid != g_device_intid && device_irq_forward(intid)) return;
    gic_deactivate(intid);
    if (intid == static_cast<u32>(Sgi::stop)) halt_this_core(core);
    if (intid == g_device_intid && g_device_handler != nullptr) g_device_handler();
    // Sgi::kick and the vGIC maintenance interrupt need no action here:
    // leaving the guest resyncs its list registers and reschedules.
}

void handle_core_interrupts(PerCore& core) {
    if (!gic_ready()) return;
    for (;;) {
        const u32 intid = gic_ack();
        if (intid >= 1020) return; // nothing (more) pending
        handle_core_interrupt(core, intid);
    }
}

bool stop_other_cores() {
    if (!gic_ready()) return true; // (before the GIC is up, no other core runs)
    unsigned others = 0;
    for (unsigned i = 0; i < g_core_count; ++i) others += g_cores[i].online.load(std::memory_order_acquire) ? 1 : 0;
    if (others > 0) --others; // not this core
    gic_send_sgi_others(Sgi::stop);
    // Bounded: a core that cannot take the interrupt must not keep the
    // report or the power-off from happening.
    return wait_until([&] { return g_stopped.load(std::memory_order_acquire) >= others; }, 100'000);
}

u64 now_us() { return ticks_to_us(cntpct_el0::read(), cntfrq_el0::read()); }

u64 now_ticks() {
    isb();
    return cntpct_el0::read();
}

u64 us_to_ticks(u64 us) { return tessera::us_to_ticks(us, cntfrq_el0::read()); }

void set_core_timer(u64 deadline) {
    PerCore& core = *reinterpret_cast<PerCore*>(tpidr_el2::read());
    if (deadline == ~0ull) deadline = 0;                          // 0: disarmed (no deadline is at the counter's start)
    if (deadline == core.timer_at) return;                        // timer writes are slow under emulation
    __atomic_store_n(&core.timer_at, deadline, __ATOMIC_RELAXED); // (other cores read it: sched.cpp)
    if (deadline == 0) {
        cnthp_ctl_el2::write(0);
        return;
    }
    cnthp_cval_el2::write(deadline);
    cnthp_ctl_el2::write(1); // enabled, not masked
}

void wait_event() { wfe(); }

bool hardware_random(u64& out) {
    if (!g_rndr) return false;
    u64 nzcv;
    asm volatile("mrs %0, S3_3_C2_C4_0\n\tmrs %1, nzcv" : "=r"(out), "=r"(nzcv)); // RNDR; Z set: none this time
    return (nzcv & (1ull << 30)) == 0;
}

TESSERA_BOOT_ONLY void route_device_irq(u32 intid, unsigned core) { gic_enable_spi(intid, g_cores[core].mpidr); }

void move_device_irq(u32 intid, unsigned core) {
    gic_route_spi(intid, g_cores[core].mpidr);
    gic_deactivate_spi(intid);
}

void kick_core(unsigned core) {
    // Its own core first, without a frame: the common case (a vCPU woken by
    // another of its core) and one that needs nothing, as returning from the
    // exit reschedules anyway.
    if (reinterpret_cast<const PerCore*>(tpidr_el2::read())->index == core) return;
    if (core >= g_core_count || !gic_ready()) return;
    gic_send_sgi(Sgi::kick, g_cores[core].mpidr);
}

void idle_wait() {
    // Interrupts stay masked at EL2; WFI still wakes on a pending one, which
    // we then take by hand.
    wfi();
    handle_core_interrupts(*reinterpret_cast<PerCore*>(tpidr_el2::read()));
}

} // namespace tessera::arch

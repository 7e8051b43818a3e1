// irqs.cpp — the virtual GIC from a guest's side: more SPIs than list registers, the timer, SGIs between vCPUs.
#include "gic.hpp"
#include "kit.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u32 FIRST_SPI = 40;
constexpr u32 SPIS = 12; // more than any core's list registers (QEMU has 4)
constexpr u32 SGI_PING = 3, SGI_PONG = 4;
constexpr u32 VTIMER = 27;

volatile u32 g_order[SPIS];
volatile u32 g_spi_count = 0;
volatile u32 g_timer_ticks = 0;
volatile u32 g_pings = 0, g_pongs = 0;
volatile u32 g_cpu1_ready = 0;
volatile u32 g_unexpected = 0;

void timer_in(u64 ticks) { asm volatile("msr cntv_tval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(ticks), "r"(1ull)); }

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false;
    for (u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) {
        if (id >= FIRST_SPI && id < FIRST_SPI + SPIS) {
            g_order[g_spi_count] = id;
            g_spi_count = g_spi_count + 1;
        } else if (id == VTIMER) {
            g_timer_ticks = g_timer_ticks + 1;
            if (g_timer_ticks < 5)
                timer_in(kit::counter_frequency() / 1000);
            else
                asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(0ull));
        } else if (id == SGI_PING) {
            g_pings = g_pings + 1;
            kit::gic::send_sgi(SGI_PONG, 0);
        } else if (id == SGI_PONG) {
            g_pongs = g_pongs + 1;
        } else {
            g_unexpected = g_unexpected + 1;
        }
        kit::gic::end(id);
    }
    return true;
}

/// Waits for an interrupt handler to count up to `value` (sleeping in WFI;
/// `what` is volatile: the handler counts it up). Every wake-up counts
/// towards the bound, which only a flood of other interrupts would reach.
void wait_for(volatile u32& what, u32 value, const char* name) {
    u64 wakes = 0;
    kit::gic::sleep_until([&] {
        if (++wakes > 100'000'000) kit::check(false, name);
        return what >= value;
    });
}

/// Waits for another vCPU to set a flag: no interrupt comes, so poll.
void poll_for(volatile u32& what, const char* name) {
    u64 spin = 0;
    while (what == 0) {
        asm volatile("yield");
        if (++spin > 1'000'000'000) kit::check(false, name);
    }
}

void cpu1_main(u64) {
    kit::gic::init_cpu(1);
    kit::gic::enable(SGI_PING, 1);
    kit::gic::irq_on();
    g_cpu1_ready = 1;
    kit::gic::sleep_until([] { return g_pings != 0; });
    kit::print("vcpu 1: ping received, pong sent\n");
    kit::gic::irq_off();
}

} // namespace

int main() {
    kit::set_exception_handler(on_irq);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);

    // 1. Twelve SPIs pending at once, each with its own priority, lowest
    //    priority first: all must arrive, once each, most urgent first.
    for (u32 i = 0; i < SPIS; ++i) kit::gic::enable(FIRST_SPI + i, 0, static_cast<tessera::u8>(0xc0 - 8 * i));
    for (u32 i = 0; i < SPIS; ++i) kit::gic::pend_spi(FIRST_SPI + i);
    kit::gic::irq_on();
    wait_for(g_spi_count, SPIS, "all SPIs delivered");
    for (u32 i = 0; i < SPIS; ++i) {
        kit::check(g_order[i] == FIRST_SPI + SPIS - 1 - i, "SPIs arrive in priority order");
    }
    kit::print("%u SPIs delivered in priority order\n", SPIS);

    // 2. The virtual timer, five 1 ms periods.
    kit::gic::enable(VTIMER, 0);
    const u64 start = kit::counter();
    timer_in(kit::counter_frequency() / 1000);
    wait_for(g_timer_ticks, 5, "five timer interrupts");
    const u64 elapsed_us = (kit::counter() - start) * 1'000'000 / kit::counter_frequency();
    kit::print("5 timer interrupts after %llu us\n", static_cast<unsigned long long>(elapsed_us));
    kit::check(elapsed_us >= 5000, "timer interrupts do not come early");

    // 3. SGIs between two vCPUs of the VM.
    kit::gic::enable(SGI_PONG, 0);
    kit::check(kit::start_cpu(1, cpu1_main, 0) == 0, "CPU_ON starts vCPU 1");
    kit::check(kit::start_cpu(1, cpu1_main, 0) == tessera::abi::PSCI_ALREADY_ON, "a second CPU_ON is ALREADY_ON");
    poll_for(g_cpu1_ready, "vCPU 1 ready");
    kit::gic::send_sgi(SGI_PING, 1);
    wait_for(g_pongs, 1, "pong from vCPU 1");
    kit::print("SGI ping-pong between vCPU 0 and vCPU 1\n");
    kit::check(g_unexpected == 0, "no unexpected interrupts");
    kit::pass();
}

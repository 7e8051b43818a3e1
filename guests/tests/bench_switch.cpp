// bench_switch.cpp — scheduler path lengths: two vCPUs of one VM sharing one core.
//
// The two hand the core to each other: one sends the other an SGI and waits
// in WFI (which blocks it, as the core is shared); the other wakes in its
// interrupt handler. Counted with the virtual counter, which under QEMU
// -icount shift=0 ticks once per 16 executed instructions (62.5 MHz, 1 ns per
// instruction), over many handoffs. Prints "BENCH <name> <total
// instructions> <count>". Each vCPU waits with kit::gic::sleep_until: with a
// plain `while (!turn) wfi`, a slice that ends between the look and the WFI
// lets the SGI be taken there, and both vCPUs then sleep for ever. (WFE
// would be the cheaper hand-off on silicon, but QEMU never traps it.)
#include "gic.hpp"
#include "kit.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u64 ROUNDS = 1024;
constexpr u32 SGI_WAKE = 1;

volatile u64 g_turn = 0; // 1: vCPU 1's turn, 0: vCPU 0's
volatile u64 g_ready = 0;
volatile u64 g_sent_at = 0; // counter when vCPU 0 sent its SGI
volatile u64 g_wake_ticks = 0;
volatile u64 g_wakes = 0;

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    const u64 t = kit::counter();
    if (kind != 1) return false;
    const u32 id = kit::gic::ack();
    if (id == SGI_WAKE && g_turn == 1 && g_sent_at != 0) { // vCPU 1, woken by vCPU 0
        g_wake_ticks = g_wake_ticks + (t - g_sent_at);
        g_wakes = g_wakes + 1;
        g_sent_at = 0;
    }
    if (id < 1020) kit::gic::end(id);
    return true;
}

void irqs_on(unsigned vcpu) {
    kit::gic::init_cpu(vcpu);
    kit::gic::enable(SGI_WAKE, vcpu);
    kit::gic::irq_on();
}

void partner(u64) {
    irqs_on(1);
    g_ready = 1;
    kit::gic::send_sgi(SGI_WAKE, 0); // vCPU 0 sleeps until told
    for (u64 i = 0; i < ROUNDS; ++i) {
        kit::gic::sleep_until([] { return g_turn == 1; });
        g_turn = 0;
        kit::gic::send_sgi(SGI_WAKE, 0);
    }
}

} // namespace

int main() {
    kit::use_uart_console();
    kit::set_exception_handler(on_irq);
    kit::gic::init_distributor();
    irqs_on(0);
    kit::check(kit::start_cpu(1, partner, 0) == 0, "CPU_ON succeeds");
    kit::gic::sleep_until([] { return g_ready != 0; }); // vCPU 0 blocks; vCPU 1 starts
    const u64 freq = kit::counter_frequency();
    const u64 scale = 1'000'000'000 / freq;

    const u64 t0 = kit::counter();
    for (u64 i = 0; i < ROUNDS; ++i) {
        g_turn = 1;
        g_sent_at = kit::counter();
        kit::gic::send_sgi(SGI_WAKE, 1);
        kit::gic::sleep_until([] { return g_turn == 0; });
    }
    const u64 total = kit::counter() - t0;
    kit::gic::irq_off();
    // Each round is two handoffs (0 -> 1 -> 0).
    kit::print("BENCH vcpu_switch %llu %llu\n", static_cast<unsigned long long>(total) * scale, 2ull * ROUNDS);
    kit::print("BENCH wake_latency %llu %llu\n", static_cast<unsigned long long>(g_wake_ticks) * scale,
               static_cast<unsigned long long>(g_wakes));
    kit::print("BENCH done 0 1\n");
    kit::poweroff();
}

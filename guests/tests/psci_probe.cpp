// psci_probe.cpp — two vCPUs on one core: vCPU 0 sleeps in WFI on its timer while vCPU 1 asks AFFINITY_INFO of it, then
// turns itself off.
//
// A vCPU asleep in WFI is on (PSCI): AFFINITY_INFO must say so, and the
// other vCPU's CPU_OFF must not end the VM — vCPU 0 wakes on its timer.
#include "gic.hpp"
#include "kit.hpp"

namespace {

constexpr kit::u64 TIMER_ENABLE = 1, TIMER_ISTATUS = 4;
volatile kit::u64 g_asleep = 0;
volatile tessera::i64 g_affinity = -99;

kit::u64 timer_ctl() {
    kit::u64 v;
    asm volatile("mrs %0, cntv_ctl_el0" : "=r"(v));
    return v;
}

void cpu1_main(kit::u64) {
    while (g_asleep == 0) asm volatile("yield");
    g_affinity = static_cast<tessera::i64>(kit::hvc(tessera::abi::PSCI_AFFINITY_INFO, 0, 0).x0);
    // Returning turns this vCPU off (PSCI CPU_OFF); vCPU 0 is still on.
}

} // namespace

int main() {
    kit::gic::irq_off(); // WFI wakes on the timer's pending interrupt, masked or not
    const kit::u64 wake = kit::counter() + kit::counter_frequency() / 20; // 50 ms
    asm volatile("msr cntv_cval_el0, %0" ::"r"(wake));
    asm volatile("msr cntv_ctl_el0, %0" ::"r"(TIMER_ENABLE));
    kit::check(kit::start_cpu(1, cpu1_main, 0) == 0, "vCPU 1 starts");
    g_asleep = 1;
    while ((timer_ctl() & TIMER_ISTATUS) == 0) asm volatile("wfi");
    asm volatile("msr cntv_ctl_el0, xzr");
    kit::print("vcpu 0 woke on its timer\n");
    kit::print("AFFINITY_INFO of vcpu 0 asleep in WFI: %lld\n", static_cast<long long>(g_affinity));
    kit::check(g_affinity == tessera::abi::PSCI_AFFINITY_ON, "a vCPU asleep in WFI is on");
    kit::pass();
}

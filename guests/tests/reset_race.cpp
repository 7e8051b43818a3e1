// reset_race.cpp — a restart race: both vCPUs of one VM ask for SYSTEM_RESET at the same instant, run after run,
// then one asks for SYSTEM_RESET while the other asks for SYSTEM_OFF, then SYSTEM_OFF alone. Beside it the victim
// (victim.cpp) checks its deadlines on the core of vCPU 0 (tests/system/systems/test_reset_race.yaml).
//
// Each run of the VM starts afresh (its RAM scrubbed): it tells the rounds apart by the board's time, and says
// which one it runs. Once the hypervisor says the VM powered off, it must never run again.
#include "kit.hpp"

namespace abi = tessera::abi;
using tessera::u64;

namespace {

volatile u64 g_ready = 0;
volatile u64 g_go = 0;

/// vCPU 1: ready, then the call the moment vCPU 0 says go.
void second(u64 call) {
    g_ready = 1;
    while (g_go == 0) {}
    (void)kit::hvc(call);
    kit::check(false, "SYSTEM_RESET or SYSTEM_OFF returned");
}

} // namespace

int main() {
    const u64 ms = kit::counter() * 1000 / kit::counter_frequency();
    if (ms >= 550) {
        kit::print("SYSTEM_OFF alone\n");
        kit::poweroff();
    }
    const bool both_reset = ms < 300;
    kit::print("%s\n", both_reset ? "SYSTEM_RESET on both vCPUs" : "SYSTEM_RESET against SYSTEM_OFF");
    kit::check(kit::start_cpu(1, second, both_reset ? abi::PSCI_SYSTEM_RESET : abi::PSCI_SYSTEM_OFF) == 0,
               "vCPU 1 starts");
    while (g_ready == 0) {}
    g_go = 1;
    (void)kit::hvc(abi::PSCI_SYSTEM_RESET);
    kit::check(false, "SYSTEM_RESET returned");
    kit::pass();
}

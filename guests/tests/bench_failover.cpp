// bench_failover.cpp — `make bench`: from a pair's active VM failing to its standby running as the active one.
//
// The active VM fails at once (exit code 1); the standby, woken by the
// hypervisor's notice (HA_INTID), compares the counter once HA_STATUS says
// it is active with when its partner failed (HA_STATUS x5). Under -icount
// the counter counts instructions. The failed VM comes back as the standby
// and ends when its partner does.
#include "gic.hpp"
#include "kit.hpp"
#include "vplatform.hpp"

using tessera::u64;

namespace {

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false;
    for (tessera::u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) kit::gic::end(id); // (wakes the WFI)
    return true;
}

} // namespace

int main() {
    kit::HaStatus st = kit::ha_status();
    if (!st.standby && st.takeovers == 0) return 1; // the active VM, on its first run: fails
    kit::set_exception_handler(on_irq);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(tessera::vplat::HA_INTID, 0);
    kit::gic::irq_on();
    for (st = kit::ha_status(); st.standby; st = kit::ha_status()) {
        if (!st.partner_alive) kit::poweroff(); // (the failed VM, back as the standby, once the bench is done)
        asm volatile("wfi");
    }
    const u64 ticks = kit::counter() - st.partner_failed_at;
    kit::print("BENCH failover_to_active %llu 1\n",
               static_cast<unsigned long long>(ticks * 1'000'000'000 / kit::counter_frequency()));
    kit::print("BENCH done\n");
    kit::poweroff();
}

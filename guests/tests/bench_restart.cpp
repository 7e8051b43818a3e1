// bench_restart.cpp — `make bench`: from a VM's failure to its restarted first instruction (tessera-bench).
//
// The first run fails at once (exit code 1); its policy restarts it; the
// second run reads, through VM_INFO, when the first failed and compares it
// with the counter its very first instruction read (kit/start.S). Under
// -icount the counter counts instructions.
#include "kit.hpp"

int main() {
    const kit::VmInfo me = kit::vm_info();
    if (me.restarts == 0) return 1;
    const tessera::u64 ticks = kit::entry_counter() - me.failed_at;
    // Nanoseconds of virtual time: one instruction each under -icount shift=0.
    kit::print("BENCH restart_to_guest %llu 1\n",
               static_cast<unsigned long long>(ticks * 1'000'000'000 / kit::counter_frequency()));
    kit::print("BENCH done\n");
    kit::poweroff();
}

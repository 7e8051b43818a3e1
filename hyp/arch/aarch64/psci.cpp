// psci.cpp — PSCI calls to the firmware, and powering the machine off.
#include "psci.hpp"

#include "boot_only.hpp"

#include "arch.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

i64 smc_call(u64 fid, u64 a1, u64 a2, u64 a3) {
    register u64 x0 asm("x0") = fid;
    register u64 x1 asm("x1") = a1;
    register u64 x2 asm("x2") = a2;
    register u64 x3 asm("x3") = a3;
    // SMCCC 1.1: x4–x17 may be clobbered by the callee.
    asm volatile("smc #0"
                 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                 :
                 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
                   "memory");
    return static_cast<i64>(x0);
}

TESSERA_BOOT_ONLY i64 psci_cpu_on(u64 mpidr, u64 entry, u64 context) {
    return smc_call(0xc400'0003, mpidr, entry, context);
}

void system_off() {
    smc_call(0x8400'0008);
    // Firmware without SYSTEM_OFF: stop here, asleep.
    for (;;) wfi();
}

} // namespace tessera::arch

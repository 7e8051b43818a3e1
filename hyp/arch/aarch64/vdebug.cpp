// vdebug.cpp (aarch64) — the breakpoint, watchpoint and single-step registers, lent to the vCPU that uses them.
//
// As with the PMU, a vCPU that never touches the debug registers costs
// nothing: its accesses trap (MDCR_EL2.TDA) and the first one gives it the
// registers, cleared, with the trap lifted. From then on its breakpoints,
// watchpoints and MDSCR_EL1 travel with it when its core switches vCPUs, and
// MDSCR_EL1 is cleared behind it, so no other vCPU takes its debug events.
// Debug exceptions go to the guest's EL1 (MDCR_EL2.TDE stays clear) and
// never fire at EL2: EL1 is the debug target, and only lower levels are
// debugged. The OS lock is kept per vCPU and put in the hardware while it
// runs; the double lock and the debug power-down request are refused
// (written values ignored), and there is no ROM table to find. Not
// switched: the claim tags (DBGCLAIMSET/CLR_EL1, eight bits with no effect
// on the hardware, absent from QEMU 7.2's cores), which a vCPU that has
// claimed the registers can read after another on the same core.
#include "vdebug.hpp"

#include "cpu_features.hpp"
#include "id_regs.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

namespace {

constexpr u64 MDCR_TDOSA = 1ull << 10, MDCR_TDA = 1ull << 9, MDCR_TDRA = 1ull << 11;
constexpr u64 OSLSR_OSLM = 1ull << 3; // OS lock implemented (OSLM = 0b10)

/// Breakpoints and watchpoints a vCPU gets (set at boot).
constinit unsigned g_brps = 0, g_wrps = 0;

void read_bvr(u64* r, unsigned n) {
    switch (n) {
    case 16: asm volatile("mrs %0, S2_0_C0_C15_4" : "=r"(r[15])); [[fallthrough]];
    case 15: asm volatile("mrs %0, S2_0_C0_C14_4" : "=r"(r[14])); [[fallthrough]];
    case 14: asm volatile("mrs %0, S2_0_C0_C13_4" : "=r"(r[13])); [[fallthrough]];
    case 13: asm volatile("mrs %0, S2_0_C0_C12_4" : "=r"(r[12])); [[fallthrough]];
    case 12: asm volatile("mrs %0, S2_0_C0_C11_4" : "=r"(r[11])); [[fallthrough]];
    case 11: asm volatile("mrs %0, S2_0_C0_C10_4" : "=r"(r[10])); [[fallthrough]];
    case 10: asm volatile("mrs %0, S2_0_C0_C9_4" : "=r"(r[9])); [[fallthrough]];
    case 9: asm volatile("mrs %0, S2_0_C0_C8_4" : "=r"(r[8])); [[fallthrough]];
    case 8: asm volatile("mrs %0, S2_0_C0_C7_4" : "=r"(r[7])); [[fallthrough]];
    case 7: asm volatile("mrs %0, S2_0_C0_C6_4" : "=r"(r[6])); [[fallthrough]];
    case 6: asm volatile("mrs %0, S2_0_C0_C5_4" : "=r"(r[5])); [[fallthrough]];
    case 5: asm volatile("mrs %0, S2_0_C0_C4_4" : "=r"(r[4])); [[fallthrough]];
    case 4: asm volatile("mrs %0, S2_0_C0_C3_4" : "=r"(r[3])); [[fallthrough]];
    case 3: asm volatile("mrs %0, S2_0_C0_C2_4" : "=r"(r[2])); [[fallthrough]];
    case 2: asm volatile("mrs %0, S2_0_C0_C1_4" : "=r"(r[1])); [[fallthrough]];
    case 1: asm volatile("mrs %0, S2_0_C0_C0_4" : "=r"(r[0])); [[fallthrough]];
    default: break;
    }
}
void read_bcr(u64* r, unsigned n) {
    switch (n) {
    case 16: asm volatile("mrs %0, S2_0_C0_C15_5" : "=r"(r[15])); [[fallthrough]];
    case 15: asm volatile("mrs %0, S2_0_C0_C14_5" : "=r"(r[14])); [[fallthrough]];
    case 14: asm volatile("mrs %0, S2_0_C0_C13_5" : "=r"(r[13])); [[fallthrough]];
    case 13: asm volatile("mrs %0, S2_0_C0_C12_5" : "=r"(r[12])); [[fallthrough]];
    case 12: asm volatile("mrs %0, S2_0_C0_C11_5" : "=r"(r[11])); [[fallthrough]];
    case 11: asm volatile("mrs %0, S2_0_C0_C10_5" : "=r"(r[10])); [[fallthrough]];
    case 10: asm volatile("mrs %0, S2_0_C0_C9_5" : "=r"(r[9])); [[fallthrough]];
    case 9: asm volatile("mrs %0, S2_0_C0_C8_5" : "=r"(r[8])); [[fallthrough]];
    case 8: asm volatile("mrs %0, S2_0_C0_C7_5" : "=r"(r[7])); [[fallthrough]];
    case 7: asm volatile("mrs %0, S2_0_C0_C6_5" : "=r"(r[6])); [[fallthrough]];
    case 6: asm volatile("mrs %0, S2_0_C0_C5_5" : "=r"(r[5])); [[fallthrough]];
    case 5: asm volatile("mrs %0, S2_0_C0_C4_5" : "=r"(r[4])); [[fallthrough]];
    case 4: asm volatile("mrs %0, S2_0_C0_C3_5" : "=r"(r[3])); [[fallthrough]];
    case 3: asm volatile("mrs %0, S2_0_C0_C2_5" : "=r"(r[2])); [[fallthrough]];
    case 2: asm volatile("mrs %0, S2_0_C0_C1_5" : "=r"(r[1])); [[fallthrough]];
    case 1: asm volatile("mrs %0, S2_0_C0_C0_5" : "=r"(r[0])); [[fallthrough]];
    default: break;
    }
}
void read_wvr(u64* r, unsigned n) {
    switch (n) {
    case 16: asm volatile("mrs %0, S2_0_C0_C15_6" : "=r"(r[15])); [[fallthrough]];
    case 15: asm volatile("mrs %0, S2_0_C0_C14_6" : "=r"(r[14])); [[fallthrough]];
    case 14: asm volatile("mrs %0, S2_0_C0_C13_6" : "=r"(r[13])); [[fallthrough]];
    case 13: asm volatile("mrs %0, S2_0_C0_C12_6" : "=r"(r[12])); [[fallthrough]];
    case 12: asm volatile("mrs %0, S2_0_C0_C11_6" : "=r"(r[11])); [[fallthrough]];
    case 11: asm volatile("mrs %0, S2_0_C0_C10_6" : "=r"(r[10])); [[fallthrough]];
    case 10: asm volatile("mrs %0, S2_0_C0_C9_6" : "=r"(r[9])); [[fallthrough]];
    case 9: asm volatile("mrs %0, S2_0_C0_C8_6" : "=r"(r[8])); [[fallthrough]];
    case 8: asm volatile("mrs %0, S2_0_C0_C7_6" : "=r"(r[7])); [[fallthrough]];
    case 7: asm volatile("mrs %0, S2_0_C0_C6_6" : "=r"(r[6])); [[fallthrough]];
    case 6: asm volatile("mrs %0, S2_0_C0_C5_6" : "=r"(r[5])); [[fallthrough]];
    case 5: asm volatile("mrs %0, S2_0_C0_C4_6" : "=r"(r[4])); [[fallthrough]];
    case 4: asm volatile("mrs %0, S2_0_C0_C3_6" : "=r"(r[3])); [[fallthrough]];
    case 3: asm volatile("mrs %0, S2_0_C0_C2_6" : "=r"(r[2])); [[fallthrough]];
    case 2: asm volatile("mrs %0, S2_0_C0_C1_6" : "=r"(r[1])); [[fallthrough]];
    case 1: asm volatile("mrs %0, S2_0_C0_C0_6" : "=r"(r[0])); [[fallthrough]];
    default: break;
    }
}
void read_wcr(u64* r, unsigned n) {
    switch (n) {
    case 16: asm volatile("mrs %0, S2_0_C0_C15_7" : "=r"(r[15])); [[fallthrough]];
    case 15: asm volatile("mrs %0, S2_0_C0_C14_7" : "=r"(r[14])); [[fallthrough]];
    case 14: asm volatile("mrs %0, S2_0_C0_C13_7" : "=r"(r[13])); [[fallthrough]];
    case 13: asm volatile("mrs %0, S2_0_C0_C12_7" : "=r"(r[12])); [[fallthrough]];
    case 12: asm volatile("mrs %0, S2_0_C0_C11_7" : "=r"(r[11])); [[fallthrough]];
    case 11: asm volatile("mrs %0, S2_0_C0_C10_7" : "=r"(r[10])); [[fallthrough]];
    case 10: asm volatile("mrs %0, S2_0_C0_C9_7" : "=r"(r[9])); [[fallthrough]];
    case 9: asm volatile("mrs %0, S2_0_C0_C8_7" : "=r"(r[8])); [[fallthrough]];
    case 8: asm volatile("mrs %0, S2_0_C0_C7_7" : "=r"(r[7])); [[fallthrough]];
    case 7: asm volatile("mrs %0, S2_0_C0_C6_7" : "=r"(r[6])); [[fallthrough]];
    case 6: asm volatile("mrs %0, S2_0_C0_C5_7" : "=r"(r[5])); [[fallthrough]];
    case 5: asm volatile("mrs %0, S2_0_C0_C4_7" : "=r"(r[4])); [[fallthrough]];
    case 4: asm volatile("mrs %0, S2_0_C0_C3_7" : "=r"(r[3])); [[fallthrough]];
    case 3: asm volatile("mrs %0, S2_0_C0_C2_7" : "=r"(r[2])); [[fallthrough]];
    case 2: asm volatile("mrs %0, S2_0_C0_C1_7" : "=r"(r[1])); [[fallthrough]];
    case 1: asm volatile("mrs %0, S2_0_C0_C0_7" : "=r"(r[0])); [[fallthrough]];
    default: break;
    }
}
void write_bvr(const u64* r, unsigned n) {
    switch (n) {
    case 16: asm volatile("msr S2_0_C0_C15_4, %0" ::"r"(r[15])); [[fallthrough]];
    case 15: asm volatile("msr S2_0_C0_C14_4, %0" ::"r"(r[14])); [[fallthrough]];
    case 14: asm volatile("msr S2_0_C0_C13_4, %0" ::"r"(r[13])); [[fallthrough]];
    case 13: asm volatile("msr S2_0_C0_C12_4, %0" ::"r"(r[12])); [[fallthrough]];
    case 12: asm volatile("msr S2_0_C0_C11_4, %0" ::"r"(r[11])); [[fallthrough]];
    case 11: asm volatile("msr S2_0_C0_C10_4, %0" ::"r"(r[10])); [[fallthrough]];
    case 10: asm volatile("msr S2_0_C0_C9_4, %0" ::"r"(r[9])); [[fallthrough]];
    case 9: asm volatile("msr S2_0_C0_C8_4, %0" ::"r"(r[8])); [[fallthrough]];
    case 8: asm volatile("msr S2_0_C0_C7_4, %0" ::"r"(r[7])); [[fallthrough]];
    case 7: asm volatile("msr S2_0_C0_C6_4, %0" ::"r"(r[6])); [[fallthrough]];
    case 6: asm volatile("msr S2_0_C0_C5_4, %0" ::"r"(r[5])); [[fallthrough]];
    case 5: asm volatile("msr S2_0_C0_C4_4, %0" ::"r"(r[4])); [[fallthrough]];
    case 4: asm volatile("msr S2_0_C0_C3_4, %0" ::"r"(r[3])); [[fallthrough]];
    case 3: asm volatile("msr S2_0_C0_C2_4, %0" ::"r"(r[2])); [[fallthrough]];
    case 2: asm volatile("msr S2_0_C0_C1_4, %0" ::"r"(r[1])); [[fallthrough]];
    case 1: asm volatile("msr S2_0_C0_C0_4, %0" ::"r"(r[0])); [[fallthrough]];
    default: break;
    }
}
void write_bcr(const u64* r, unsigned n) {
    switch (n) {
    case 16: asm volatile("msr S2_0_C0_C15_5, %0" ::"r"(r[15])); [[fallthrough]];
    case 15: asm volatile("msr S2_0_C0_C14_5, %0" ::"r"(r[14])); [[fallthrough]];
    case 14: asm volatile("msr S2_0_C0_C13_5, %0" ::"r"(r[13])); [[fallthrough]];
    case 13: asm volatile("msr S2_0_C0_C12_5, %0" ::"r"(r[12])); [[fallthrough]];
    case 12: asm volatile("msr S2_0_C0_C11_5, %0" ::"r"(r[11])); [[fallthrough]];
    case 11: asm volatile("msr S2_0_C0_C10_5, %0" ::"r"(r[10])); [[fallthrough]];
    case 10: asm volatile("msr S2_0_C0_C9_5, %0" ::"r"(r[9])); [[fallthrough]];
    case 9: asm volatile("msr S2_0_C0_C8_5, %0" ::"r"(r[8])); [[fallthrough]];
    case 8: asm volatile("msr S2_0_C0_C7_5, %0" ::"r"(r[7])); [[fallthrough]];
    case 7: asm volatile("msr S2_0_C0_C6_5, %0" ::"r"(r[6])); [[fallthrough]];
    case 6: asm volatile("msr S2_0_C0_C5_5, %0" ::"r"(r[5])); [[fallthrough]];
    case 5: asm volatile("msr S2_0_C0_C4_5, %0" ::"r"(r[4])); [[fallthrough]];
    case 4: asm volatile("msr S2_0_C0_C3_5, %0" ::"r"(r[3])); [[fallthrough]];
    case 3: asm volatile("msr S2_0_C0_C2_5, %0" ::"r"(r[2])); [[fallthrough]];
    case 2: asm volatile("msr S2_0_C0_C1_5, %0" ::"r"(r[1])); [[fallthrough]];
    case 1: asm volatile("msr S2_0_C0_C0_5, %0" ::"r"(r[0])); [[fallthrough]];
    default: break;
    }
}
void write_wvr(const u64* r, unsigned n) {
    switch (n) {
    case 16: asm volatile("msr S2_0_C0_C15_6, %0" ::"r"(r[15])); [[fallthrough]];
    case 15: asm volatile("msr S2_0_C0_C14_6, %0" ::"r"(r[14])); [[fallthrough]];
    case 14: asm volatile("msr S2_0_C0_C13_6, %0" ::"r"(r[13])); [[fallthrough]];
    case 13: asm volatile("msr S2_0_C0_C12_6, %0" ::"r"(r[12])); [[fallthrough]];
    case 12: asm volatile("msr S2_0_C0_C11_6, %0" ::"r"(r[11])); [[fallthrough]];
    case 11: asm volatile("msr S2_0_C0_C10_6, %0" ::"r"(r[10])); [[fallthrough]];
    case 10: asm volatile("msr S2_0_C0_C9_6, %0" ::"r"(r[9])); [[fallthrough]];
    case 9: asm volatile("msr S2_0_C0_C8_6, %0" ::"r"(r[8])); [[fallthrough]];
    case 8: asm volatile("msr S2_0_C0_C7_6, %0" ::"r"(r[7])); [[fallthrough]];
    case 7: asm volatile("msr S2_0_C0_C6_6, %0" ::"r"(r[6])); [[fallthrough]];
    case 6: asm volatile("msr S2_0_C0_C5_6, %0" ::"r"(r[5])); [[fallthrough]];
    case 5: asm volatile("msr S2_0_C0_C4_6, %0" ::"r"(r[4])); [[fallthrough]];
    case 4: asm volatile("msr S2_0_C0_C3_6, %0" ::"r"(r[3])); [[fallthrough]];
    case 3: asm volatile("msr S2_0_C0_C2_6, %0" ::"r"(r[2])); [[fallthrough]];
    case 2: asm volatile("msr S2_0_C0_C1_6, %0" ::"r"(r[1])); [[fallthrough]];
    case 1: asm volatile("msr S2_0_C0_C0_6, %0" ::"r"(r[0])); [[fallthrough]];
    default: break;
    }
}
void write_wcr(const u64* r, unsigned n) {
    switch (n) {
    case 16: asm volatile("msr S2_0_C0_C15_7, %0" ::"r"(r[15])); [[fallthrough]];
    case 15: asm volatile("msr S2_0_C0_C14_7, %0" ::"r"(r[14])); [[fallthrough]];
    case 14: asm volatile("msr S2_0_C0_C13_7, %0" ::"r"(r[13])); [[fallthrough]];
    case 13: asm volatile("msr S2_0_C0_C12_7, %0" ::"r"(r[12])); [[fallthrough]];
    case 12: asm volatile("msr S2_0_C0_C11_7, %0" ::"r"(r[11])); [[fallthrough]];
    case 11: asm volatile("msr S2_0_C0_C10_7, %0" ::"r"(r[10])); [[fallthrough]];
    case 10: asm volatile("msr S2_0_C0_C9_7, %0" ::"r"(r[9])); [[fallthrough]];
    case 9: asm volatile("msr S2_0_C0_C8_7, %0" ::"r"(r[8])); [[fallthrough]];
    case 8: asm volatile("msr S2_0_C0_C7_7, %0" ::"r"(r[7])); [[fallthrough]];
    case 7: asm volatile("msr S2_0_C0_C6_7, %0" ::"r"(r[6])); [[fallthrough]];
    case 6: asm volatile("msr S2_0_C0_C5_7, %0" ::"r"(r[5])); [[fallthrough]];
    case 5: asm volatile("msr S2_0_C0_C4_7, %0" ::"r"(r[4])); [[fallthrough]];
    case 4: asm volatile("msr S2_0_C0_C3_7, %0" ::"r"(r[3])); [[fallthrough]];
    case 3: asm volatile("msr S2_0_C0_C2_7, %0" ::"r"(r[2])); [[fallthrough]];
    case 2: asm volatile("msr S2_0_C0_C1_7, %0" ::"r"(r[1])); [[fallthrough]];
    case 1: asm volatile("msr S2_0_C0_C0_7, %0" ::"r"(r[0])); [[fallthrough]];
    default: break;
    }
}

void os_lock(bool locked) { asm volatile("msr oslar_el1, %0" ::"r"(u64{locked ? 1u : 0u})); }

} // namespace

void debug_init() {
    const u64 dfr0 = g_id_regs[idreg::AA64DFR0 - idreg::FIRST];
    g_brps = id_field(dfr0, 12) + 1 < DEBUG_POINTS ? id_field(dfr0, 12) + 1 : DEBUG_POINTS;
    g_wrps = id_field(dfr0, 20) + 1 < DEBUG_POINTS ? id_field(dfr0, 20) + 1 : DEBUG_POINTS;
}

u64 debug_mdcr(const DebugRegs& d) { return MDCR_TDRA | MDCR_TDOSA | (d.owned ? 0 : MDCR_TDA); }

void debug_claim(DebugRegs& d) {
    const bool locked = d.os_lock;
    d = DebugRegs{};
    d.owned = true;
    d.os_lock = locked;
    debug_load(d);
}

u64 debug_lock_access(DebugRegs& d, const SysregAccess& a, u64 written) {
    if (a.crm == 0 && a.op2 == 4) { // OSLAR_EL1
        if (!a.read) {
            d.os_lock = (written & 1) != 0;
            if (d.owned) os_lock(d.os_lock);
        }
        return 0;
    }
    if (a.crm == 1) return OSLSR_OSLM | (d.os_lock ? 2u : 0u); // OSLSR_EL1
    return 0; // OSDLR_EL1, DBGPRCR_EL1, MDRAR_EL1: nothing to lock, power down or find
}

void debug_save(DebugRegs& d) {
    asm volatile("mrs %0, mdscr_el1" : "=r"(d.mdscr));
    read_bvr(d.bvr, g_brps);
    read_bcr(d.bcr, g_brps);
    read_wvr(d.wvr, g_wrps);
    read_wcr(d.wcr, g_wrps);
    // Its breakpoints, watchpoints and stepping end here.
    asm volatile("msr mdscr_el1, xzr");
    isb();
}

void debug_load(const DebugRegs& d) {
    if (!d.owned) {
        // No debug events for it, whatever the last vCPU here left (one
        // that was reset while loaded is not saved, nor cleared behind).
        u64 mdscr;
        asm volatile("mrs %0, mdscr_el1" : "=r"(mdscr));
        if (mdscr != 0) asm volatile("msr mdscr_el1, xzr; isb");
        return;
    }
    write_bvr(d.bvr, g_brps);
    write_bcr(d.bcr, g_brps);
    write_wvr(d.wvr, g_wrps);
    write_wcr(d.wcr, g_wrps);
    os_lock(d.os_lock);
    asm volatile("msr mdscr_el1, %0" ::"r"(d.mdscr));
    isb();
}

} // namespace tessera::arch

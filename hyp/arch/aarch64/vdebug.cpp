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

#include "boot_only.hpp"

#include "cpu_features.hpp"
#include "id_regs.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

namespace {

constexpr u64 MDCR_TDOSA = 1ull << 10, MDCR_TDA = 1ull << 9, MDCR_TDRA = 1ull << 11;
constexpr u64 OSLSR_OSLM = 1ull << 3; // OS lock implemented (OSLM = 0b10)

/// Breakpoints and watchpoints a vCPU gets (set at boot).
constinit unsigned g_brps = 0, g_wrps = 0;

// The first `n` registers of one kind (op2 4: DBGBVR, 5: DBGBCR, 6: DBGWVR,
// 7: DBGWCR), highest first. MRS and MSR take the register as an immediate,
// so each of the 16 is spelled out once, by these macros.
#define TESSERA_DBG_READ(op2, k)                                                                                       \
    case (k) + 1:                                                                                                      \
        asm volatile("mrs %0, S2_0_C0_C" #k "_" #op2 : "=r"(r[k]));                                                    \
        [[fallthrough]];
#define TESSERA_DBG_WRITE(op2, k)                                                                                      \
    case (k) + 1: asm volatile("msr S2_0_C0_C" #k "_" #op2 ", %0" ::"r"(r[k])); [[fallthrough]];
// (clang-format would rewrap this list differently on every run.)
// clang-format off
#define TESSERA_DBG_EACH(M, op2) M(op2, 15) M(op2, 14) M(op2, 13) M(op2, 12) M(op2, 11) M(op2, 10) M(op2, 9) M(op2, 8) M(op2, 7) M(op2, 6) M(op2, 5) M(op2, 4) M(op2, 3) M(op2, 2) M(op2, 1) M(op2, 0)
// clang-format on
#define TESSERA_DBG_ACCESSORS(kind, op2)                                                                               \
    void read_##kind(u64* r, unsigned n) {                                                                             \
        switch (n) {                                                                                                   \
            TESSERA_DBG_EACH(TESSERA_DBG_READ, op2)                                                                    \
        default: break;                                                                                                \
        }                                                                                                              \
    }                                                                                                                  \
    void write_##kind(const u64* r, unsigned n) {                                                                      \
        switch (n) {                                                                                                   \
            TESSERA_DBG_EACH(TESSERA_DBG_WRITE, op2)                                                                   \
        default: break;                                                                                                \
        }                                                                                                              \
    }
TESSERA_DBG_ACCESSORS(bvr, 4)
TESSERA_DBG_ACCESSORS(bcr, 5)
TESSERA_DBG_ACCESSORS(wvr, 6)
TESSERA_DBG_ACCESSORS(wcr, 7)
#undef TESSERA_DBG_ACCESSORS
#undef TESSERA_DBG_EACH
#undef TESSERA_DBG_WRITE
#undef TESSERA_DBG_READ

void os_lock(bool locked) { asm volatile("msr oslar_el1, %0" ::"r"(u64{locked ? 1u : 0u})); }

} // namespace

TESSERA_BOOT_ONLY void debug_init() {
    const u64 dfr0 = g_id_regs[idreg::AA64DFR0 - idreg::FIRST];
    g_brps = id_field(dfr0, 12) + 1 < DEBUG_POINTS ? id_field(dfr0, 12) + 1 : DEBUG_POINTS;
    g_wrps = id_field(dfr0, 20) + 1 < DEBUG_POINTS ? id_field(dfr0, 20) + 1 : DEBUG_POINTS;
}

u64 debug_mdcr(const DebugRegs& d) { return MDCR_TDRA | MDCR_TDOSA | (d.owned ? 0 : MDCR_TDA); }

bool debug_claim(DebugRegs& d) {
    const bool locked = d.os_lock;
    d = DebugRegs{};
    d.owned = true;
    d.os_lock = locked;
    debug_load(d);
    return true;
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

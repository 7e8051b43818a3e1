// debug_probe.cpp — a guest's own breakpoints, watchpoints and single step, as its ID register promises; two VMs
// sharing a core keep theirs apart, and a third that never uses them takes no debug event.
#include "kit.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u64 MDSCR_SS = 1ull << 0, MDSCR_KDE = 1ull << 13, MDSCR_MDE = 1ull << 15;
constexpr u64 SPSR_SS = 1ull << 21;
constexpr u64 BCR_ENABLED = 0x1e7;  // E, PMC = EL1 and EL0, BAS = all four bytes
constexpr u64 WCR_ENABLED = 0x1fff; // E, PAC = EL1 and EL0, loads and stores, BAS = all eight bytes

// Debug register `i` of one kind (op2 4: DBGBVR, 5: DBGBCR, 6: DBGWVR, 7:
// DBGWCR), spelled out once per number by these macros (MSR and MRS take the
// register as an immediate).
#define PROBE_SET(op2, k)                                                                                              \
    case k:                                                                                                            \
        asm volatile("msr S2_0_C0_C" #k "_" #op2 ", %0" ::"r"(v));                                                     \
        break;
#define PROBE_GET(op2, k)                                                                                              \
    case k: asm volatile("mrs %0, S2_0_C0_C" #k "_" #op2 : "=r"(v)); break;
// (clang-format would rewrap this list differently on every run.)
// clang-format off
#define PROBE_EACH(M, op2) M(op2, 0) M(op2, 1) M(op2, 2) M(op2, 3) M(op2, 4) M(op2, 5) M(op2, 6) M(op2, 7) M(op2, 8) M(op2, 9) M(op2, 10) M(op2, 11) M(op2, 12) M(op2, 13) M(op2, 14) M(op2, 15)
// clang-format on
#define PROBE_SETTER(kind, op2)                                                                                        \
    void set_##kind(unsigned i, u64 v) {                                                                               \
        switch (i) {                                                                                                   \
            PROBE_EACH(PROBE_SET, op2)                                                                                 \
        default: break;                                                                                                \
        }                                                                                                              \
        asm volatile("isb");                                                                                           \
    }
PROBE_SETTER(bvr, 4)
PROBE_SETTER(bcr, 5)
PROBE_SETTER(wvr, 6)
PROBE_SETTER(wcr, 7)

u64 get_bvr(unsigned i) {
    u64 v = 0;
    switch (i) {
        PROBE_EACH(PROBE_GET, 4)
    default: break;
    }
    return v;
}

void set_mdscr(u64 v) { asm volatile("msr mdscr_el1, %0; isb" ::"r"(v)); }
u64 get_mdscr() {
    u64 v;
    asm volatile("mrs %0, mdscr_el1" : "=r"(v));
    return v;
}

// Each VM's own targets: the two VMs run this same binary at the same
// addresses, so each watches the one the other uses all the time.
__attribute__((noinline)) void target_0() { asm volatile("nop" ::: "memory"); }
__attribute__((noinline)) void target_1() { asm volatile("nop" ::: "memory"); }
void (*const TARGETS[2])() = {target_0, target_1};
alignas(64) volatile u64 g_watched[2][8];

unsigned g_brps = 0, g_wrps = 0;
volatile unsigned g_bp_hits = 0, g_wp_hits = 0, g_steps = 0, g_foreign = 0;
u64 g_own = 0; // which target is this VM's

bool on_exception(kit::ExceptionFrame& f, u64 kind) {
    if (kind != 0) return false;
    switch (f.esr >> 26) {
    case 0x31: { // breakpoint: whose? then turn it off and retry the instruction
        if (f.elr != reinterpret_cast<u64>(TARGETS[g_own])) g_foreign = g_foreign + 1;
        for (unsigned i = 0; i < g_brps; ++i) {
            if (get_bvr(i) == f.elr) set_bcr(i, 0);
        }
        g_bp_hits = g_bp_hits + 1;
        return true;
    }
    case 0x35: // watchpoint
        if (f.far < reinterpret_cast<u64>(&g_watched[g_own][0]) || f.far >= reinterpret_cast<u64>(&g_watched[g_own][8]))
            g_foreign = g_foreign + 1;
        for (unsigned i = 0; i < g_wrps; ++i) set_wcr(i, 0);
        g_wp_hits = g_wp_hits + 1;
        return true;
    case 0x3c: // brk: step the next instructions
        set_mdscr(get_mdscr() | MDSCR_SS);
        f.spsr |= SPSR_SS;
        f.elr += 4;
        return true;
    case 0x33: // a single step
        g_steps = g_steps + 1;
        if (g_steps < 3)
            f.spsr |= SPSR_SS;
        else
            set_mdscr(get_mdscr() & ~MDSCR_SS);
        return true;
    default: return false;
    }
}

/// Calls both targets and writes both watched words for `ms` milliseconds
/// (other VMs' vCPUs run on this core meanwhile).
void busy(unsigned ms, bool own_too) {
    const u64 end = kit::counter() + kit::counter_frequency() / 1000 * ms;
    while (kit::counter() < end) {
        TARGETS[1 - g_own]();
        g_watched[1 - g_own][0] = g_watched[1 - g_own][0] + 1;
        if (own_too) {
            TARGETS[g_own]();
            g_watched[g_own][0] = g_watched[g_own][0] + 1;
        }
    }
}

} // namespace

int main() {
    kit::set_exception_handler(on_exception);
    const u64 vm = kit::vm_info().vm_id;
    if (vm >= 2) { // the bystander: never touches the debug registers
        g_own = 0;
        busy(400, true);
        const unsigned events = g_bp_hits + g_wp_hits + g_steps;
        kit::print("bystander: %u debug events in 400 ms beside two debugged VMs\n", events);
        kit::check(events == 0, "a VM that never uses the debug registers takes no debug event");
        kit::pass();
    }
    g_own = vm;
    u64 dfr0;
    asm volatile("mrs %0, id_aa64dfr0_el1" : "=r"(dfr0));
    g_brps = static_cast<unsigned>((dfr0 >> 12) & 0xf) + 1;
    g_wrps = static_cast<unsigned>((dfr0 >> 20) & 0xf) + 1;
    asm volatile("msr oslar_el1, xzr; isb"); // the OS lock is set at reset
    u64 oslsr;
    asm volatile("mrs %0, oslsr_el1" : "=r"(oslsr));
    kit::check((oslsr & 2) == 0, "the OS lock opens");
    set_mdscr(MDSCR_MDE | MDSCR_KDE);
    asm volatile("msr daifclr, #8; isb"); // debug exceptions unmasked

    // Every breakpoint and watchpoint the ID register promises fires.
    for (unsigned i = 0; i < g_brps; ++i) {
        set_bvr(i, reinterpret_cast<u64>(TARGETS[g_own]));
        set_bcr(i, BCR_ENABLED);
        TARGETS[g_own]();
    }
    for (unsigned i = 0; i < g_wrps; ++i) {
        set_wvr(i, reinterpret_cast<u64>(&g_watched[g_own][0]));
        set_wcr(i, WCR_ENABLED);
        g_watched[g_own][0] = i;
    }
    asm volatile("brk #0\n\tnop\n\tnop\n\tnop\n\tnop" ::: "memory");
    kit::print("%u of %u breakpoints, %u of %u watchpoints fired; %u single steps\n", g_bp_hits, g_brps, g_wp_hits,
               g_wrps, g_steps);
    kit::check(g_bp_hits == g_brps && g_wp_hits == g_wrps && g_steps == 3, "every debug event the VM is promised");

    // Armed on its own target while the neighbour runs the same code: only
    // its own events, and they are still armed after many switches.
    g_bp_hits = 0;
    g_wp_hits = 0;
    set_bvr(0, reinterpret_cast<u64>(TARGETS[g_own]));
    set_bcr(0, BCR_ENABLED);
    set_wvr(0, reinterpret_cast<u64>(&g_watched[g_own][0]));
    set_wcr(0, WCR_ENABLED);
    busy(150, false);
    TARGETS[g_own]();
    g_watched[g_own][0] = 1;
    kit::print("after 150 ms beside another debugged VM: %u own breakpoint, %u own watchpoint, %u foreign events\n",
               g_bp_hits, g_wp_hits, g_foreign);
    kit::check(g_bp_hits == 1 && g_wp_hits == 1 && g_foreign == 0, "each VM's debug state is its own");
    kit::pass();
}

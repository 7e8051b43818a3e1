// mmu.cpp (aarch64) — EL2 stage-1 translation with W^X, and the trap configuration for guests. Boot-only
// (link.ld): so is the EL2 table's mapping code it instantiates.
#include "mmu.hpp"

#include "id_regs.hpp"
#include "sysreg.hpp"
#include "vdebug.hpp"
#include "vpmu.hpp"

extern "C" char __image_start[], __text_end[], __rodata_end[], __payload_region_end[], __image_end[];

namespace tessera::arch {

namespace {

u64 addr(const char* sym) { return reinterpret_cast<u64>(sym); }

/// TCR_EL2/VTCR_EL2.PS from the PE's supported physical address size.
u64 pa_size_field() { return id_aa64mmfr0_el1::read() & 0x7; }

// HCR_EL2 (D17.2.48): what a guest may not do on its own.
constexpr u64 HCR_VM = 1ull << 0;   // stage-2 translation on
constexpr u64 HCR_SWIO = 1ull << 1; // set/way invalidate becomes clean+invalidate
constexpr u64 HCR_FMO = 1ull << 3;  // physical FIQ/IRQ/SError go to EL2
constexpr u64 HCR_IMO = 1ull << 4;
constexpr u64 HCR_AMO = 1ull << 5;
constexpr u64 HCR_FB = 1ull << 9; // broadcast TLB/cache maintenance inner shareable
constexpr u64 HCR_BSU_IS = 1ull << 10;
constexpr u64 HCR_TSC = 1ull << 19;   // SMC traps: guests never reach the firmware
constexpr u64 HCR_TIDCP = 1ull << 20; // implementation-defined registers trap
constexpr u64 HCR_TACR = 1ull << 21;  // ACTLR_EL1 traps
constexpr u64 HCR_TID3 = 1ull << 18;  // ID registers trap: guests read a sanitized view (cpu_features.cpp)
constexpr u64 HCR_RW = 1ull << 31;    // EL1 is AArch64
constexpr u64 HCR_TLOR = 1ull << 35;  // LORegions registers trap (the feature is hidden)
constexpr u64 HCR_TERR = 1ull << 36;  // RAS error-record registers trap (the feature is hidden)
constexpr u64 HCR_APK = 1ull << 40;   // pointer authentication keys: the guest's own, switched per vCPU
constexpr u64 HCR_API = 1ull << 41;   // pointer authentication instructions run untrapped

} // namespace

Status el2_map_image(El2Table& table, PageAllocator& alloc) {
    using Mem = MapAttrs::Mem;
    const MapAttrs rx{true, false, true, Mem::normal};
    const MapAttrs ro{true, false, false, Mem::normal};
    const MapAttrs rw{true, true, false, Mem::normal};
    struct Part {
        u64 start = 0, end = 0;
        MapAttrs attrs;
    };
    const Part parts[] = {
        {addr(__image_start), addr(__text_end), rx},
        {addr(__text_end), addr(__payload_region_end), ro},
        {addr(__payload_region_end), addr(__image_end), rw},
    };
    for (const Part& p : parts) {
        if (p.end == p.start) continue;
        if (Status s = table.map(VirtAddr(p.start), PhysAddr(p.start), p.end - p.start, p.attrs, alloc);
            s != Status::ok)
            return s;
    }
    return Status::ok;
}

/// What el2_mmu_enable() wrote last (MAIR_EL2, TCR_EL2, TTBR0_EL2,
/// SCTLR_EL2), for start.S: a secondary core turns its MMU on from these
/// before it touches memory (read with its MMU off: the boot core cleans
/// them to the point of coherency before it starts the secondaries).
extern "C" {
constinit u64 g_el2_mmu_regs[4] = {};
}

bool el2_tags() {
    u64 pfr1;
    asm volatile("mrs %0, id_aa64pfr1_el1" : "=r"(pfr1));
    return ((pfr1 >> 8) & 0xf) >= 2;
}

void el2_mmu_enable(const El2Table& table) {
    const bool tags = el2_tags();
    const u64 mair = tags ? El2Format::MAIR_TAGGED : El2Format::MAIR;
    mair_el2::write(mair);
    const u64 tcr = (1ull << 31) | (1ull << 23)  // RES1
                    | (pa_size_field() << 16)    // PS
                    | (3ull << 12)               // SH0 inner shareable
                    | (1ull << 10) | (1ull << 8) // ORGN0, IRGN0 write-back
                    | (64 - pt::INPUT_BITS);     // T0SZ
    tcr_el2::write(tcr);
    ttbr0_el2::write(table.root().raw());
    isb();
    asm volatile("tlbi alle2" ::: "memory");
    dsb_sy();
    isb();
    constexpr u64 M = 1ull << 0, C = 1ull << 2, SA = 1ull << 3, I = 1ull << 12, WXN = 1ull << 19;
    // ATA: EL2 may write allocation tags (its tag checks stay off: TCF 0).
    constexpr u64 ATA = 1ull << 43;
    sctlr_el2::write(sctlr_el2::read() | M | C | SA | I | WXN | (tags ? ATA : 0));
    isb();
    g_el2_mmu_regs[0] = mair;
    g_el2_mmu_regs[1] = tcr;
    g_el2_mmu_regs[2] = table.root().raw();
    g_el2_mmu_regs[3] = sctlr_el2::read();
}

void virt_init_core() {
    // (Bits of features the core lacks are RES0: set only where they exist.)
    const u64 pauth = has_pauth(g_id_regs) ? HCR_APK | HCR_API : 0;
    const u64 tlor = id_field(g_id_regs[idreg::AA64MMFR1 - idreg::FIRST], 16) != 0 ? HCR_TLOR : 0;
    const u64 terr = id_field(g_id_regs[idreg::AA64PFR0 - idreg::FIRST], 28) != 0 ? HCR_TERR : 0;
    hcr_el2::write(HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS | HCR_TSC | HCR_TIDCP |
                   HCR_TACR | HCR_TID3 | HCR_RW | tlor | terr | pauth);
    const u64 vtcr = (1ull << 31)                 // RES1
                     | (pa_size_field() << 16)    // PS
                     | (3ull << 12)               // SH0
                     | (1ull << 10) | (1ull << 8) // ORGN0, IRGN0
                     | (1ull << 6)                // SL0 = 1: start at level 1
                     | (64 - pt::INPUT_BITS);     // T0SZ
    vtcr_el2::write(vtcr);
    vttbr_el2::write(0);
    // Counter and the EL1 physical timer the guest's (EL1PCTEN, EL1PCEN:
    // the hypervisor times itself with the EL2 timer, CNTHP; each vCPU's
    // EL1 timers are switched with it, vcpu.cpp). The event stream (EVNTEN,
    // bit 9 of the counter: every 16 us at 62.5 MHz) bounds every WFE wait
    // of the hypervisor.
    cnthctl_el2::write(1ull << 0 | 1ull << 1 | 1ull << 2 | 9ull << 4);
    cntvoff_el2::write(0);
    vpidr_el2::write(midr_el1::read());
    // Debug registers trap; PMU registers trap until a vCPU claims them.
    pmu_init_core();
    mdcr_el2::write(pmu_mdcr(PmuRegs{}) | debug_mdcr(DebugRegs{}));
    // FP/SIMD stays untrapped: a core swaps the registers when it switches
    // vCPUs (fpsimd.S), so each vCPU owns them while it runs.
    cptr_el2::write(g_cptr_guest);
    isb();
    asm volatile("tlbi alle1is" ::: "memory");
    dsb_ish();
    isb();
}

} // namespace tessera::arch

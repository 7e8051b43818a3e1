// gicv3.cpp — distributor and redistributor bring-up and SGIs (GICv3 architecture spec, IHI 0069).
#include "gicv3.hpp"

#include "boot_only.hpp"

#include "sysreg.hpp"
#include "vgic_lr.hpp"

namespace tessera::arch {

namespace {

constexpr u64 GICD_CTLR = 0x0000;
constexpr u32 GICD_CTLR_RWP = 1u << 31;
constexpr u32 GICD_CTLR_ENABLE_G1 = 1u << 1; // EnableGrp1NS / EnableGrp1 (DS = 1)
constexpr u32 GICD_CTLR_ARE = 1u << 4;       // ARE_NS / ARE (DS = 1)

constexpr u64 GICR_FRAME = 0x20000; // RD_base + SGI_base, 64 KiB each
constexpr u64 GICR_WAKER = 0x0014;
constexpr u64 GICR_TYPER = 0x0008;
constexpr u32 WAKER_PROCESSOR_SLEEP = 1u << 1;
constexpr u32 WAKER_CHILDREN_ASLEEP = 1u << 2;
constexpr u64 TYPER_LAST = 1ull << 4;
constexpr u64 SGI_BASE = 0x10000;
constexpr u64 GICR_IGROUPR0 = SGI_BASE + 0x0080;
constexpr u64 GICR_ISENABLER0 = SGI_BASE + 0x0100;
constexpr u64 GICR_IPRIORITYR = SGI_BASE + 0x0400;

constinit u64 g_gicd = 0;
constinit PhysRange g_gicr{};
constinit bool g_ready = false;

volatile u32& reg32(u64 addr) { return *reinterpret_cast<volatile u32*>(addr); }
volatile u64& reg64(u64 addr) { return *reinterpret_cast<volatile u64*>(addr); }

u64 sgi1r(Sgi sgi, u64 mpidr) {
    const u64 aff0 = mpidr & 0xf; // TargetList bit; cores 0–15 in each cluster
    const u64 aff1 = (mpidr >> 8) & 0xff;
    const u64 aff2 = (mpidr >> 16) & 0xff;
    const u64 aff3 = (mpidr >> 32) & 0xff;
    const u64 rs = (mpidr & 0xf0) >> 4; // RangeSelector
    return (aff3 << 48) | (rs << 44) | (aff2 << 32) | (static_cast<u64>(sgi) << 24) | (aff1 << 16) | (1ull << aff0);
}

} // namespace

TESSERA_BOOT_ONLY void gic_init_distributor(PhysAddr gicd, PhysRange gicr) {
    g_gicd = gicd.raw();
    g_gicr = gicr;
    reg32(g_gicd + GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1;
    while (reg32(g_gicd + GICD_CTLR) & GICD_CTLR_RWP) {}
    g_ready = true;
}

/// The redistributor frame of the core with affinity `mpidr`; 0 if none.
u64 redistributor(u64 mpidr) {
    const u64 want = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);
    for (u64 f = g_gicr.base.raw(); f < g_gicr.end().raw(); f += GICR_FRAME) {
        const u64 typer = reg64(f + GICR_TYPER);
        if ((typer >> 32) == want) return f;
        if (typer & TYPER_LAST) break;
    }
    return 0;
}

void gic_clear_active_private(u64 mpidr, u32 intid) {
    const u64 rd = redistributor(mpidr);
    if (rd != 0 && intid < 32) reg32(rd + SGI_BASE + 0x0380) = 1u << intid; // GICR_ICACTIVER0
}

void gic_set_active_private(u64 mpidr, u32 intid) {
    const u64 rd = redistributor(mpidr);
    if (rd != 0 && intid < 32) reg32(rd + SGI_BASE + 0x0300) = 1u << intid; // GICR_ISACTIVER0
}

TESSERA_BOOT_ONLY bool gic_init_cpu(u64 mpidr) {
    const u64 rd = redistributor(mpidr);
    if (rd == 0) return false;
    reg32(rd + GICR_WAKER) = reg32(rd + GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP;
    while (reg32(rd + GICR_WAKER) & WAKER_CHILDREN_ASLEEP) {}
    reg32(rd + GICR_IGROUPR0) = 0xffffffff;
    // SGIs 0–1, the vGIC maintenance PPI 25, the hypervisor's timer PPI 26,
    // the guests' virtual timer PPI 27 and EL1 physical timer PPI 30, all
    // at a middle priority, enabled.
    reg32(rd + GICR_IPRIORITYR) = 0x8080;
    reg32(rd + GICR_IPRIORITYR + 24) = 0x8080'8080;
    reg32(rd + GICR_IPRIORITYR + 28) = 0x0080'0000;
    reg32(rd + GICR_ISENABLER0) = (1u << static_cast<u32>(Sgi::stop)) | (1u << static_cast<u32>(Sgi::kick)) |
                                  (1u << 25) | (1u << 26) | (1u << 27) | (1u << 30);

    // System-register interface at EL2, and let EL1 use it too (virtual GIC).
    icc_sre_el2::write(icc_sre_el2::read() | 0x9); // SRE | Enable
    isb();
    icc_pmr_el1::write(0xff);
    // EOImode 1: a forwarded interrupt stays active until the guest ends it.
    icc_ctlr_el1::write(icc_ctlr_el1::read() | (1u << 1));
    icc_igrpen1_el1::write(1);
    vgic_lrs_init_core();
    isb();
    return true;
}

void gic_send_sgi(Sgi sgi, u64 mpidr) {
    dsb_ish();
    icc_sgi1r_el1::write(sgi1r(sgi, mpidr));
    isb();
}

void gic_send_sgi_others(Sgi sgi) {
    dsb_ish();
    icc_sgi1r_el1::write((1ull << 40) | (static_cast<u64>(sgi) << 24)); // IRM: all but self
    isb();
}

TESSERA_BOOT_ONLY void gic_enable_spi(u32 intid, u64 mpidr) {
    const u64 n = intid / 32;
    const u32 bit = 1u << (intid % 32);
    reg32(g_gicd + 0x0080 + 4 * n) = reg32(g_gicd + 0x0080 + 4 * n) | bit; // IGROUPR: group 1
    *reinterpret_cast<volatile u8*>(g_gicd + 0x0400 + intid) = 0x80;       // IPRIORITYR
    reg64(g_gicd + 0x6000 + 8ull * intid) = mpidr_affinity(mpidr);         // IROUTER
    reg32(g_gicd + 0x0100 + 4 * n) = bit;                                  // ISENABLER
}

void gic_route_spi(u32 intid, u64 mpidr) {
    // Disabled while its route changes (as Linux's driver does): no delivery
    // half way. ICENABLER takes effect once RWP clears.
    const u64 n = intid / 32;
    const u32 bit = 1u << (intid % 32);
    reg32(g_gicd + 0x0180 + 4 * n) = bit; // ICENABLER
    while (reg32(g_gicd + GICD_CTLR) & GICD_CTLR_RWP) {}
    reg64(g_gicd + 0x6000 + 8ull * intid) = mpidr_affinity(mpidr); // IROUTER
    reg32(g_gicd + 0x0100 + 4 * n) = bit;                          // ISENABLER
}

void gic_deactivate_spi(u32 intid) { reg32(g_gicd + 0x0380 + 4ull * (intid / 32)) = 1u << (intid % 32); } // ICACTIVER

bool gic_ready() { return g_ready; }

} // namespace tessera::arch

// mmu.cpp — the guest kit turns on its own stage-1 MMU: guests are MMU-enabled processors.
//
// Identity map, 4 KiB granule, 32-bit VA: 0–1 GiB device (where a board
// keeps its MMIO) in 2 MiB blocks, except the channel window, normal
// write-back like the shared memory it holds; 1–2 GiB normal write-back (the
// guest's RAM) in one block.
#include "types.hpp"
#include "vplatform.hpp"

namespace {
alignas(4096) tessera::u64 g_level1[512];
alignas(4096) tessera::u64 g_level2_low[512]; ///< the first GiB, 2 MiB at a time
} // namespace

extern "C" void kit_mmu_enable_cpu();

extern "C" void kit_mmu_init() {
    using tessera::u64;
    constexpr u64 BLOCK = 1, AF = 1ull << 10, SH_INNER = 3ull << 8;
    constexpr u64 ATTR_DEVICE = 1ull << 2, ATTR_NORMAL = 0; // MAIR index 1 and 0
    constexpr u64 XN = (1ull << 54) | (1ull << 53);
    constexpr u64 TABLE = 3, MIB2 = 2ull << 20;
    constexpr u64 first_channel = tessera::vplat::CHANNEL_BASE / MIB2;
    for (u64 i = 0; i < 512; ++i) {
        const bool channel = i >= first_channel && i < first_channel + tessera::vplat::MAX_CHANNELS;
        g_level2_low[i] = i * MIB2 | BLOCK | AF | XN | (channel ? SH_INNER | ATTR_NORMAL : ATTR_DEVICE);
    }
    g_level1[0] = reinterpret_cast<u64>(g_level2_low) | TABLE;
    static_assert(tessera::vplat::RAM_BASE == 1ull << 30, "level-1 entry 1 maps the second GiB: the VM's RAM");
    g_level1[1] = tessera::vplat::RAM_BASE | BLOCK | AF | SH_INNER | ATTR_NORMAL;
    kit_mmu_enable_cpu();
}

/// Turns this vCPU's MMU on with the shared tables (also for secondary vCPUs).
extern "C" void kit_mmu_enable_cpu() {
    using tessera::u64;
    const u64 mair = 0x00ff;                                    // attr0 normal WB, attr1 device nGnRnE
    const u64 tcr = (1ull << 23)                                // EPD1: no TTBR1 walks
                    | (3ull << 12) | (1ull << 10) | (1ull << 8) // SH0, ORGN0, IRGN0
                    | 32;                                       // T0SZ: 4 GiB
    asm volatile("msr mair_el1, %0" ::"r"(mair));
    asm volatile("msr tcr_el1, %0" ::"r"(tcr));
    asm volatile("msr ttbr0_el1, %0" ::"r"(reinterpret_cast<u64>(g_level1)));
    asm volatile("dsb ish; tlbi vmalle1; dsb ish; isb" ::: "memory");
    u64 sctlr;
    asm volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr |= (1ull << 0) | (1ull << 2) | (1ull << 12); // M, C, I
    asm volatile("msr sctlr_el1, %0; isb" ::"r"(sctlr) : "memory");
}

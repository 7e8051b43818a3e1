// cache.cpp (aarch64) — writing and cleaning memory to the point of coherency: a VM's RAM as its (re)start finds it.
//
// Apart from vcpu.cpp because only loading a VM needs it: the boot, and a
// restart (the minimal build, which cannot restart a VM, keeps it boot-only: link.ld).
#include "arch.hpp"
#include "string.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

namespace {

/// Runs the one-instruction `op` on each `step`-byte block of [a, end),
/// eight blocks per turn of the loop, so that the loop's own instructions
/// are a fraction of the work (scrubbing a VM's RAM is most of a boot or a restart).
template <class Op> [[gnu::always_inline]] inline void each_block(u64 a, u64 end, u64 step, Op op) {
    for (; a + 8 * step <= end; a += 8 * step) {
        op(a);
        op(a + step);
        op(a + 2 * step);
        op(a + 3 * step);
        op(a + 4 * step);
        op(a + 5 * step);
        op(a + 6 * step);
        op(a + 7 * step);
    }
    for (; a < end; a += step) op(a);
}

} // namespace

namespace {

/// The smallest data cache line (CTR_EL0.DminLine: log2 of it, in words).
u64 dcache_line() {
    u64 ctr;
    asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
    return 4ull << ((ctr >> 16) & 0xf);
}

/// Cleans each line of [a, end) to the point of coherency.
void clean_lines(u64 a, u64 end) {
    const u64 line = dcache_line();
    each_block(a & ~(line - 1), end, line, [](u64 at) { asm volatile("dc cvac, %0" ::"r"(at) : "memory"); });
}

} // namespace

void zero_to_poc(void* p, u64 size) {
    // DCZID_EL0: DZP forbids DC ZVA; BS is log2 of its block, in words.
    u64 dczid;
    asm volatile("mrs %0, dczid_el0" : "=r"(dczid));
    const u64 block = 4ull << (dczid & 0xf);
    const auto a = reinterpret_cast<u64>(p);
    const u64 end = a + size;
    u64 lo = (a + block - 1) & ~(block - 1);
    u64 hi = end & ~(block - 1);
    if ((dczid & (1u << 4)) != 0 || block != dcache_line() || lo >= hi) lo = hi = end; // (stores only)
    // The ragged ends by stores; between them one DC ZVA per block, each
    // block cleaned at once (a DC by VA is ordered after the earlier store
    // to its line), so RAM is walked once, not once to zero and again to clean.
    memset(p, 0, lo - a);
    clean_lines(a, lo);
    each_block(lo, hi, block, [](u64 at) { asm volatile("dc zva, %0\n\tdc cvac, %0" ::"r"(at) : "memory"); });
    memset(reinterpret_cast<void*>(hi), 0, end - hi);
    clean_lines(hi, end);
    dsb_sy();
}

void clear_tags(void* p, u64 size) {
    u64 dczid;
    asm volatile("mrs %0, dczid_el0" : "=r"(dczid));
    const u64 block = 4ull << (dczid & 0xf);
    const auto a = reinterpret_cast<u64>(p);
    // DC GVA (SYS #3, C7, C4, #3): the block's tags from the address's,
    // which is 0 (EL2 addresses carry no tag). Only in Tagged memory.
    each_block(a, a + size, block, [](u64 at) { asm volatile("sys #3, c7, c4, #3, %0" ::"r"(at) : "memory"); });
    dsb_sy();
}

void forget_instructions() {
    asm volatile("ic ialluis" ::: "memory");
    dsb_sy();
    isb();
}

void clean_dcache_to_poc(const void* p, u64 size) {
    clean_lines(reinterpret_cast<u64>(p), reinterpret_cast<u64>(p) + size);
    dsb_sy();
    asm volatile("ic ialluis" ::: "memory");
    dsb_sy();
    isb();
}

} // namespace tessera::arch

// pmu.cpp — the PMU a guest claims is its own: it starts reset, counts, and leaves nothing to the next VM.
//
// Two VMs running this one after the other on one core: each must find the
// counters in their reset state (not the previous VM's), see its own work
// counted, and then leave a marker value counting for the next one to (not)
// find.
#include "kit.hpp"

using tessera::u64;

namespace {

constexpr u64 MARKER = 0x5ec2'e700'0000ull;

u64 read_pmcr() {
    u64 v;
    asm volatile("mrs %0, pmcr_el0" : "=r"(v));
    return v;
}
u64 read_ccntr() {
    u64 v;
    asm volatile("isb; mrs %0, pmccntr_el0" : "=r"(v));
    return v;
}
u64 read_cnten() {
    u64 v;
    asm volatile("mrs %0, pmcntenset_el0" : "=r"(v));
    return v;
}

} // namespace

int main() {
    // The first access claims the PMU: everything as after a reset.
    const u64 pmcr = read_pmcr();
    kit::print("pmu: PMCR %#llx, %llu event counters\n", static_cast<unsigned long long>(pmcr),
               static_cast<unsigned long long>((pmcr >> 11) & 0x1f));
    kit::check((pmcr & 1) == 0, "counters start disabled (PMCR.E = 0)");
    kit::check(read_cnten() == 0, "no counter starts enabled");
    const u64 start = read_ccntr();
    kit::check(start < MARKER, "the cycle counter is not another VM's");
    kit::check(start == 0, "the cycle counter starts at zero");

    asm volatile("msr pmcr_el0, %0; msr pmcntenset_el0, %1; isb" ::"r"(1ull), "r"(1ull << 31));
    volatile u64 sink = 0;
    for (u64 i = 0; i < 100'000; ++i) sink = sink + i;
    const u64 counted = read_ccntr();
    kit::check(counted > 0, "the cycle counter counts this VM's work");
    kit::print("pmu: counted %llu cycles of work\n", static_cast<unsigned long long>(counted));

    // Leave a marker counting: the next VM on this core must not see it.
    asm volatile("msr pmccntr_el0, %0; isb" ::"r"(MARKER));
    kit::check(read_ccntr() >= MARKER, "the counter took the marker");
    kit::print("pmu: done\n");
    return 0;
}

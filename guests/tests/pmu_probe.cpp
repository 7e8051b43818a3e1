// pmu_probe.cpp — the PMU a guest is shown is one it can use, and none is shown where it cannot.
//
// ID_AA64DFR0_EL1.PMUVer says whether there is a PMU. Where it says so,
// reading PMCR_EL0 must work (the hypervisor lends the counters); where it
// says none (a build without PMU lending), the same read must be an
// undefined instruction, once, as on a core without a PMU.
#include "kit.hpp"

int main() {
    kit::count_undefined_instructions();
    kit::u64 dfr0 = 0;
    asm volatile("mrs %0, id_aa64dfr0_el1" : "=r"(dfr0));
    const unsigned pmuver = (dfr0 >> 8) & 0xf;
    const bool shown = pmuver != 0; // (0xf, an IMPLEMENTATION DEFINED PMU, is a PMU too)
    kit::u64 pmcr = 0;
    asm volatile("mrs %0, pmcr_el0" : "=r"(pmcr)::"memory");
    const bool usable = kit::undefined_instructions() == 0;
    kit::print("pmu probe: PMUVer %u, reading PMCR_EL0: %s\n", pmuver, usable ? "works" : "undefined");
    kit::check(shown == usable, "a PMU is shown exactly when it can be used");
    kit::print("pmu probe: %s\n", shown ? "a PMU shown, and usable" : "no PMU shown, none usable");
    kit::pass();
}

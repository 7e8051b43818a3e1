// vpmu.cpp (aarch64) — the performance monitors, lent to the vCPU that uses them.
//
// A guest that never touches the PMU costs nothing: its accesses trap
// (MDCR_EL2.TPM/TPMCR) and the first one hands it the counters, reset, with
// the trap lifted. From then on its counter state travels with it when its
// core switches vCPUs, so no VM ever reads another's counts. Counters filter
// by exception level as the guest sets them; a guest that also counts EL2
// learns how long the hypervisor worked during its own time slices, which
// its virtual counter already tells it.
#include "vpmu.hpp"

#include "arch.hpp"
#include "boot_only.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

namespace {

constexpr u64 MDCR_TPMCR = 1ull << 5;
constexpr u64 MDCR_TPM = 1ull << 6;
constexpr u64 PMCR_P = 1ull << 1; // reset event counters
constexpr u64 PMCR_C = 1ull << 2; // reset cycle counter
constexpr u64 ALL = ~0ull;

/// Event counters guests see, the same on every core (set at boot).
constinit unsigned g_counters = 0;

} // namespace

void pmu_init_core() {
    const unsigned n = (pmcr_el0::read() >> 11) & 0x1f;
    g_counters = n < PMU_MAX_COUNTERS ? n : PMU_MAX_COUNTERS;
}

TESSERA_BOOT_ONLY bool pmu_lent() { return true; }

u64 pmu_mdcr(const PmuRegs& pmu) { return (pmu.owned ? 0 : MDCR_TPM | MDCR_TPMCR) | g_counters; }

bool pmu_claim(PmuRegs& pmu) {
    pmu = PmuRegs{};
    pmu.owned = true;
    pmu_load(pmu);
    pmcr_el0::write(PMCR_P | PMCR_C); // counters from zero, as after reset
    isb();
    return true;
}

void pmu_save(PmuRegs& pmu) {
    pmu.pmcr = pmcr_el0::read();
    pmu.cnten = pmcntenset_el0::read();
    pmu.inten = pmintenset_el1::read();
    pmu.ovs = pmovsset_el0::read();
    pmu.ccntr = pmccntr_el0::read();
    pmu.ccfiltr = pmccfiltr_el0::read();
    pmu.userenr = pmuserenr_el0::read();
    pmu.selr = pmselr_el0::read();
    for (unsigned i = 0; i < g_counters; ++i) {
        pmselr_el0::write(i);
        isb();
        pmu.evcntr[i] = pmxevcntr_el0::read();
        pmu.evtyper[i] = pmxevtyper_el0::read();
    }
    // Stopped while away: they count for their owner only.
    pmcntenclr_el0::write(ALL);
    pmintenclr_el1::write(ALL);
}

void pmu_load(const PmuRegs& pmu) {
    if (!pmu.owned) return;
    pmcntenclr_el0::write(ALL);
    for (unsigned i = 0; i < g_counters; ++i) {
        pmselr_el0::write(i);
        isb();
        pmxevcntr_el0::write(pmu.evcntr[i]);
        pmxevtyper_el0::write(pmu.evtyper[i]);
    }
    pmselr_el0::write(pmu.selr);
    pmccntr_el0::write(pmu.ccntr);
    pmccfiltr_el0::write(pmu.ccfiltr);
    pmuserenr_el0::write(pmu.userenr);
    pmovsclr_el0::write(ALL);
    pmovsset_el0::write(pmu.ovs);
    pmintenclr_el1::write(ALL);
    pmintenset_el1::write(pmu.inten);
    pmcr_el0::write(pmu.pmcr & ~(PMCR_P | PMCR_C));
    pmcntenset_el0::write(pmu.cnten);
    isb();
}

} // namespace tessera::arch

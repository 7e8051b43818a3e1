// vpmu.hpp (aarch64) — the performance monitors, lent to the vCPU that uses them.
#pragma once

#include "types.hpp"
#include "vcpu_context.hpp"

namespace tessera::arch {

/// Reads the core's PMU geometry once (boot, every core): how many event
/// counters guests may see.
void pmu_init_core();

/// MDCR_EL2's PMU bits for a vCPU: PMU accesses trap unless `pmu` is owned;
/// the counters it may see (HPMN).
u64 pmu_mdcr(const PmuRegs& pmu);

/// Gives the counters to the loaded vCPU on its first PMU access: they start
/// from their reset state, the trap is lifted, and the access is retried.
/// False in a build without PMU lending (hyp/modules/absent.cpp): the
/// access is then an undefined instruction.
[[nodiscard]] bool pmu_claim(PmuRegs& pmu);

/// Saves the live counters of an owning vCPU that leaves its core.
void pmu_save(PmuRegs& pmu);

/// Puts an owning vCPU's counters back on the core (the caller sets MDCR_EL2).
void pmu_load(const PmuRegs& pmu);

} // namespace tessera::arch

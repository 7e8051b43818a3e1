// psci.hpp — calls from EL2 to the firmware's PSCI (conduit: smc).
#pragma once

#include "types.hpp"

namespace tessera::arch {

/// Issues an SMCCC call through `smc #0` and returns x0.
i64 smc_call(u64 fid, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0);

/// Starts the core with affinity `mpidr` at physical address `entry` with x0 =
/// `context`. Returns the PSCI status (0 = success).
i64 psci_cpu_on(u64 mpidr, u64 entry, u64 context);

} // namespace tessera::arch

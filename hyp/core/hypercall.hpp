// hypercall.hpp — SMCCC dispatch of a guest's hvc/smc: PSCI, Arm architecture and Tessera calls.
#pragma once

#include "vm.hpp"

namespace tessera {

/// Handles the call in `v`'s x0 with arguments x1..x17 and writes the results
/// into its registers. May stop `v`'s VM (PSCI SYSTEM_OFF, VM_EXIT).
/// Unknown function IDs return SMCCC NOT_SUPPORTED (-1) in x0.
/// (Named plainly for entry.S, which calls it straight from a call's exit.)
void handle_hypercall(Vcpu& v) asm("tessera_handle_hypercall");

/// The optional modules' calls (hypercall_optional.cpp: TRNG, a failover
/// pair's status, the channels): handles `fid` and returns true, or returns
/// false if it is none of them — always, in the minimal build.
[[nodiscard]] bool optional_hypercall(Vcpu& v, u32 fid);

/// Extension point for optional modules (the test hooks): handles `fid` and
/// returns true, or returns false if the module does not know it.
[[nodiscard]] bool module_hypercall(Vcpu& v, uint32_t fid);

} // namespace tessera

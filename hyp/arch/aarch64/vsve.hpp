// vsve.hpp (aarch64) — SVE for the VMs whose system file gives it, switched only for vCPUs that use it.
#pragma once

#include "vm.hpp"

namespace tessera::arch {

/// The loaded vCPU `v` ran its first SVE instruction (EC 0x19). In a VM with
/// SVE, its SVE registers become live (its FP/SIMD values in their low
/// bits, the rest zero) and the instruction is retried; elsewhere it is an
/// undefined instruction, as on a core without SVE.
void sve_first_use(Vcpu& v);

/// Saves the FP/SIMD or, if it used SVE, the SVE registers of `v`, which is
/// leaving its core.
void vector_save(Vcpu& v);

/// Loads `v`'s FP/SIMD or SVE registers on its core, and its SVE trap.
void vector_load(Vcpu& v);

} // namespace tessera::arch

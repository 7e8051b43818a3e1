// at_walk.hpp (aarch64) — an AT instruction whose stage-1 walk left the VM's memory: answered in PAR_EL1.
#pragma once

#include "vm.hpp"

namespace tessera::arch {

/// A data abort with ISS.S1PTW and CM set: a stage-1 table walk, made for
/// an address-translation or cache-maintenance instruction, met an IPA
/// outside the VM's memory. If the instruction at the guest's PC is an AT,
/// the guest gets what AT gives for a fault — PAR_EL1 with F, the stage-2
/// fault code, S and PTW, as AT S12E1R reports a stage-2 fault on the walk —
/// and goes on past it; true then. False otherwise (a DC by VA takes an
/// abort, as before).
bool at_walk_fault(Vcpu& v, u64 esr);

} // namespace tessera::arch

// guest_fault.hpp — what happens when a guest touches memory that is not its own.
#pragma once

#include "vm.hpp"

namespace tessera {

/// A stage-2 abort of loaded vCPU `v`: its access to guest address `ipa`
/// (virtual address `va`) at guest PC `pc` hit nothing it owns. Logs the VM
/// and the address and injects a synchronous external abort, as a real bus
/// would. A guest that cannot take that abort (its vector itself faults) is
/// stopped instead.
void on_guest_abort(Vcpu& v, Ipa ipa, u64 va, u64 pc, bool instruction, bool write);

} // namespace tessera

// ram_fill.hpp — a VM's RAM scrubbed on first touch, 2 MiB at a time (the lazy scrub), instead of whole before it runs.
//
// Writing all of a VM's RAM before its first instruction is most of a boot
// and all of a restart (0.9 M instructions for 16 MiB), and much of a
// guest's RAM is not touched for long, some of it never. A lazily scrubbed
// VM's RAM starts unmapped in its stage 2 (its tables made at boot: nothing
// is allocated later); its first access to each 2 MiB piece is a stage-2
// fault that fills the piece as vm_scrub would (zeros, its images' bytes
// there, its MTE tags cleared, cleaned to the point of coherency), maps it
// and retries the access.
// The hypervisor's own reads and writes of a VM's RAM go through
// vm_ram_at(), which fills what they reach first. Either way, nothing a
// VM's last run or the board's last boot left there is ever seen. A VM
// whose system file says `scrub: eager` (a real-time VM: no first-touch
// delay once it runs) is scrubbed whole, and so is every VM of the minimal
// build (absent.cpp).
#pragma once

#include "vm.hpp"

namespace tessera {

/// Whether this build scrubs VMs lazily at all (the minimal one does not). Boot only.
[[nodiscard]] bool ram_fill_lent();

/// A stage-2 translation fault of `vm` at `ipa` that nothing else claimed: if `ipa` is
/// in its RAM and `vm` is lazily scrubbed, the piece holding it is filled
/// and mapped (unless another core just did) and the access is to be tried
/// again: true. False for anything else (an abort for the guest). Any core.
[[nodiscard]] bool vm_fill_touched(Vm& vm, Ipa ipa);

/// A lazily scrubbed `vm` restarts: every piece of its RAM is unmapped and
/// forgotten (its VMID's TLB entries on every core too), to be filled again
/// on its next touch.
/// Its vCPUs are off their cores and its devices reset.
void vm_unfill(Vm& vm);

} // namespace tessera

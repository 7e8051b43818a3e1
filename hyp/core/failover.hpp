// failover.hpp — a failover pair: when its active VM fails, the standby takes its channels over and is told so.
//
// Two VMs of the system file form a pair (`on_failure: failover`, `standby:`).
// The active one owns the pair's channels; the standby boots alongside and
// waits (TESSERA_HA_STATUS says which it is). When the active VM fails, its
// home core takes its vCPUs off their cores, moves each channel — its pages
// leave the failed VM's stage-2 and enter the standby's at the same IPA,
// its doorbell rings in the standby from then on — swaps the roles and
// raises vplat::HA_INTID in the new active VM; the failed one is then
// restarted by its restart limits, and waits as the new standby.
#pragma once

#include "types.hpp"

namespace tessera {

struct Vm;
class PageAllocator;

/// Boot: the stage-2 tables `standby` needs to map each of its partner's
/// channels are made now (mapped, then unmapped), so that a takeover
/// allocates nothing. Called for each channel `k` of a pair's active VM.
void failover_prepare(Vm& standby, unsigned k, PageAllocator& alloc);

/// `failed` (its vCPUs off their cores) hands its channels to its running
/// partner `standby`, which becomes the pair's active VM and gets
/// vplat::HA_INTID. Logs what moved. On `failed`'s home core.
void failover_hand_over(Vm& failed, Vm& standby);

/// The standby `vm`'s partner has ended for good: it is told (HA_INTID), so
/// that it need not wait for ever.
void failover_partner_ended(Vm& standby);

} // namespace tessera

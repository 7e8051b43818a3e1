// failover.hpp — a failover pair: when its active VM fails, the standby takes its channels over and is told so.
//
// Two VMs of the system file form a pair (`on_failure: failover`, `standby:`).
// The active one owns the pair's channels and devices; the standby boots
// alongside and waits (TESSERA_HA_STATUS says which it is), with an
// unplugged twin of each of its partner's virtio devices. When the active VM
// fails, its home core takes its vCPUs off their cores and moves what it
// owned: each channel's pages and each device's registers leave the failed
// VM's stage-2 and enter the standby's at the same IPA, a channel's doorbell
// and a device's interrupt go to the standby from then on, and each virtio
// device's cable moves to its twin. Then it swaps the roles and raises
// vplat::HA_INTID in the new active VM; the failed one is restarted by its
// restart limits, and waits as the new standby.
#pragma once

#include "pgtable.hpp"
#include "vplatform.hpp"

namespace tessera {

struct Vm;
class PageAllocator;

/// How a pair's channels and devices are mapped, in either VM's stage-2.
inline constexpr MapAttrs CHANNEL_ATTRS{true, true, false, MapAttrs::Mem::normal};
inline constexpr MapAttrs DEVICE_ATTRS{true, true, false, MapAttrs::Mem::device};

/// Where raw channel `k` is, in each VM that maps it.
inline Ipa channel_ipa(unsigned k) { return Ipa(vplat::CHANNEL_BASE + k * vplat::CHANNEL_SLOT); }

/// Boot: the stage-2 tables `standby` needs to map each of its partner's
/// channels are made now (mapped, then unmapped), so that a takeover
/// allocates nothing. Called for each channel `k` of a pair's active VM.
void failover_prepare(Vm& standby, unsigned k, PageAllocator& alloc);

/// Boot, once the VMs exist: the same for the board's devices that a
/// pair's active VM owns.
void failover_prepare_devices(PageAllocator& alloc);

/// `failed` (its vCPUs off their cores) hands its channels, devices and
/// virtio devices to its running partner `standby`, which becomes the pair's
/// active VM and gets vplat::HA_INTID. Logs what moved. On `failed`'s home core.
void failover_hand_over(Vm& failed, Vm& standby);

/// The standby `vm`'s partner has ended for good: it is told (HA_INTID), so
/// that it need not wait for ever.
void failover_partner_ended(Vm& standby);

} // namespace tessera

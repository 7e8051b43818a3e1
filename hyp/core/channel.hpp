// channel.hpp — channels between two VMs: shared memory in both stage-2 tables, and a doorbell each way.
//
// Channel k of the system (its place in the system file) has its pages at
// IPA vplat::CHANNEL_BASE + k * CHANNEL_SLOT in both of its VMs and in no
// other (never executable). A VM knows its channels by its own numbering,
// 0, 1, … in the order of the system file; ringing the doorbell of its
// channel i raises SPI vplat::CHANNEL_INTID + j in the peer, where j is the
// channel's number in the peer. What goes in the memory is the guests'
// business (the guest kit's message rings: docs/guest-kit.md).
#pragma once

#include "addr.hpp"
#include "system_desc.hpp"
#include "types.hpp"

namespace tessera {

class PageAllocator;
struct Vcpu;
struct Vm;

/// One channel: its pages and its two VMs (by index). A channel whose side 0
/// is a device model (a virtio-console channel) has the model's hook: side
/// 1's ring goes to it, not to an interrupt.
struct Channel {
    PhysAddr pa{};
    u64 size = 0;
    u16 vm[2] = {};
    i64 (*on_ring)(void* ctx) = nullptr;
    void* ctx = nullptr;
};

/// Every channel of the system (set once, at boot).
struct ChannelTable {
    Channel* channels = nullptr;
    u16 count = 0;
};
extern constinit ChannelTable g_channels;

/// What a VM learns of its channel i (TESSERA_CHANNEL_INFO).
struct ChannelView {
    Ipa ipa{};
    u64 size = 0;
    u32 doorbell = 0; ///< the SPI its peer's ring raises in this VM
    u16 side = 0;     ///< 0: first in the system file's `between`, 1: second
    u16 peer = 0;     ///< the peer's VM id
};

/// Creates every channel of `sys`: pages (zeroed), mapped into both
/// endpoints' stage-2 (boot only; VMs exist already). A channel with a VM
/// refused at boot is mapped in the other only.
void channels_create(const SystemDesc& sys, PageAllocator& alloc);

/// `vm`'s channel `i` as it sees it; false if it has no channel `i`.
[[nodiscard]] bool channel_view(const Vm& vm, unsigned i, ChannelView& out);

/// Raises the doorbell of system channel `k` in its VM on `side`, unless it is
/// pending already (a device model's side 0 telling side 1).
void channel_doorbell(unsigned k, unsigned side);

/// `v`'s VM rings the doorbell of its channel `i`: an interrupt for the
/// peer (or the device model's hook). Returns 0, abi::PSCI_INVALID_PARAMETERS (no channel `i`) or
/// abi::CHANNEL_PEER_DOWN (the peer has ended: nobody hears it).
i64 channel_ring(Vcpu& v, unsigned i);

} // namespace tessera

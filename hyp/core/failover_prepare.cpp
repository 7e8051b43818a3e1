// failover_prepare.cpp — boot-only: the stage-2 tables a failover standby needs to take its partner's channels
// and devices over without allocating.
#include "arch.hpp"
#include "board.hpp"
#include "channel.hpp"
#include "failover.hpp"
#include "page_alloc.hpp"
#include "vm.hpp"

namespace tessera {

namespace {

/// Makes the tables `standby` needs to map [at, at + size) later, and leaves it unmapped.
void prepare(Vm& standby, Ipa at, PhysAddr pa, u64 size, MapAttrs attrs, PageAllocator& alloc, const char* what,
             unsigned which) {
    if (standby.stage2.root().raw() == 0 || size == 0) return; // (refused at boot; no memory)
    if (standby.stage2.map(at, pa, size, attrs, alloc) != Status::ok || standby.stage2.unmap(at, size) != Status::ok)
        arch::panic("vm %s: cannot prepare its stage-2 for its partner's %s %u", standby.name(), what, which);
}

} // namespace

void failover_prepare(Vm& standby, unsigned k, PageAllocator& alloc) {
    const Channel& c = g_channels.channels[k];
    prepare(standby, channel_ipa(k), c.pa, c.size, CHANNEL_ATTRS, alloc, "channel", k);
}

void failover_prepare_devices(PageAllocator& alloc) {
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) {
        const Vm* owner = device_owner(i);
        if (owner == nullptr || owner->desc->failure.partner == 0 || owner->desc->failure.standby) continue;
        const board::Device& dev = board::DEVICES[i];
        prepare(g_vms.vms[owner->desc->failure.partner - 1], Ipa(dev.base), PhysAddr(dev.base), dev.size, DEVICE_ATTRS,
                alloc, "device", i);
    }
}

} // namespace tessera

// channel.cpp — a VM's channels as it numbers them, and their doorbells.
#include "channel.hpp"

#include "board.hpp"
#include "hypercall_abi.hpp"
#include "vgic.hpp"
#include "vm.hpp"
#include "vplatform.hpp"

namespace tessera {

constinit ChannelTable g_channels;

/// A board device's interrupt among the doorbells or the virtio devices' would be taken for one of them.
constexpr bool clear_of_doorbells() {
    for (const board::Device& d : board::DEVICES) {
        if (d.intid >= vplat::CHANNEL_INTID && d.intid < vplat::VIRTIO_INTID + vplat::MAX_VIRTIO_PER_VM) return false;
    }
    return vplat::UART_INTID < vplat::CHANNEL_INTID && vplat::VIRTIO_INTID + vplat::MAX_VIRTIO_PER_VM <= VGIC_NR_IRQS;
}
static_assert(clear_of_doorbells(), "the doorbell and virtio SPIs must not be a device's, and must fit the vGIC's");

namespace {

/// The channel behind `vm`'s channel `i`, and which end `vm` is; nullptr if none.
const Channel* lookup(const Vm& vm, unsigned i, unsigned& side) {
    if (i >= vm.channel_count) return nullptr;
    const Channel& c = g_channels.channels[vm.channels[i]];
    side = c.vm[0] == vm.id ? 0 : 1;
    return &c;
}

/// The number `vm` gives channel `k` of the system.
unsigned local_index(const Vm& vm, unsigned k) {
    for (unsigned i = 0; i < vm.channel_count; ++i) {
        if (vm.channels[i] == k) return i;
    }
    return vplat::MAX_CHANNELS_PER_VM; // (cannot happen: both ends list it)
}

} // namespace

bool channel_view(const Vm& vm, unsigned i, ChannelView& out) {
    unsigned side = 0;
    const Channel* c = lookup(vm, i, side);
    if (c == nullptr) return false;
    const unsigned k = vm.channels[i];
    out = ChannelView{Ipa(vplat::CHANNEL_BASE + k * vplat::CHANNEL_SLOT), c->size, vplat::CHANNEL_INTID + i,
                      static_cast<u16>(side), c->vm[1 - side]};
    return true;
}

void channel_doorbell(unsigned k, unsigned side) {
    Vm& vm = g_vms.vms[g_channels.channels[k].vm[side]];
    if (vm.state.load(std::memory_order_acquire) != VmState::running) return;
    // Level-sensitive, pending until the VM acknowledges it: rings before
    // then are one interrupt, and change nothing, so they do not even
    // interrupt its core (a flood costs the ringer its own time only).
    // (Unlocked peek: a ring that races the acknowledgement injects.)
    const u32 intid = vplat::CHANNEL_INTID + local_index(vm, k);
    if (vm.vgic.spi[intid - 32].pending) return;
    vgic_inject(vm.vcpus[0], intid);
}

i64 channel_ring(Vcpu& v, unsigned i) {
    unsigned side = 0;
    const Channel* c = lookup(*v.vm, i, side);
    if (c == nullptr) return abi::PSCI_INVALID_PARAMETERS;
    const Vm& peer = g_vms.vms[c->vm[1 - side]];
    if (peer.state.load(std::memory_order_acquire) != VmState::running) return abi::CHANNEL_PEER_DOWN;
    if (c->on_ring != nullptr) return c->on_ring(c->ctx);
    channel_doorbell(v.vm->channels[i], 1 - side);
    return 0;
}

} // namespace tessera

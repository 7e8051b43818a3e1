// virtio_create.cpp — boot-only: each virtio channel's link, and each VM's table of model devices.
#include "virtio_create.hpp"

#include "arch.hpp"
#include "console.hpp"
#include "page_alloc.hpp"
#include "system_image.hpp"
#include "virtio_console.hpp"
#include "virtio_net.hpp"
#include "vm.hpp"

namespace tessera::virtio {

namespace {

template <typename T> T* alloc_zeroed(PageAllocator& alloc, u64 count, const char* what) {
    auto mem = alloc.alloc(sizeof(T) * count);
    if (!mem.ok()) arch::panic("no memory for %s", what);
    T* p = static_cast<T*>(arch::phys_to_ptr(mem.value()));
    for (u64 i = 0; i < count; ++i) new (&p[i]) T{};
    return p;
}

} // namespace

void virtio_create(const SystemDesc& sys, PageAllocator& alloc) {
    // Each VM's table of model devices, as long as its number of virtio devices.
    u8 count[256] = {};
    u16 nets = 0, consoles = 0;
    for (u16 k = 0; k < sys.channel_count; ++k) {
        const ChannelDesc& d = sys.channels[k];
        for (unsigned side = 0; side < 2; ++side) count[d.vm[side]] += sysimg::channel_device(d.kind, side) ? 1 : 0;
        nets += d.kind == sysimg::CHANNEL_VIRTIO_NET ? 1 : 0;
        consoles += d.kind == sysimg::CHANNEL_VIRTIO_CONSOLE ? 1 : 0;
    }
    if (nets + consoles == 0) return;
    // A failover standby has a twin of each of its partner's devices, in the
    // same order, so at the same places (boot refuses it channels of its own).
    for (u16 i = 0; i < sys.vm_count; ++i) {
        const FailurePolicy& f = sys.vms[i].failure;
        if (f.standby && f.partner != 0) count[i] = count[f.partner - 1];
    }
    ModelDevice* tables[256] = {};
    for (u16 i = 0; i < sys.vm_count; ++i) {
        if (count[i] != 0) tables[i] = alloc_zeroed<ModelDevice>(alloc, count[i], "virtio devices");
    }
    NetLink* net = nets != 0 ? alloc_zeroed<NetLink>(alloc, nets, "virtio-net links") : nullptr;
    ConsoleLink* con = consoles != 0 ? alloc_zeroed<ConsoleLink>(alloc, consoles, "virtio consoles") : nullptr;
    // The next device of `vm`: where it goes and its interrupt.
    auto place = [&](Vm& vm, Transport& t, void (*hand_over)(void*, void*)) {
        const u8 j = vm.model_count++;
        tables[vm.id][j] = ModelDevice{{Ipa(vplat::VIRTIO_BASE + j * vplat::VIRTIO_SIZE), vplat::VIRTIO_SIZE},
                                       transport_access,
                                       transport_reset_hook,
                                       &t,
                                       hand_over};
        vm.models = tables[vm.id];
        return vplat::VIRTIO_INTID + j;
    };
    // Its failover standby, if `vm` is a pair's active VM.
    auto standby_of = [&](const Vm& vm) -> Vm* {
        const FailurePolicy& f = vm.desc->failure;
        return f.partner != 0 && !f.standby ? &g_vms.vms[f.partner - 1] : nullptr;
    };
    for (u16 k = 0; k < sys.channel_count; ++k) {
        const ChannelDesc& d = sys.channels[k];
        Vm& a = g_vms.vms[d.vm[0]];
        Vm& b = g_vms.vms[d.vm[1]];
        if (d.kind == sysimg::CHANNEL_VIRTIO_NET) {
            NetLink& link = *net++;
            const u32 ia = place(a, link.port[0][0], net_hand_over);
            const u32 ib = place(b, link.port[1][0], net_hand_over);
            net_link_init(link, k, a, ia, b, ib);
            for (unsigned side = 0; side < 2; ++side) {
                Vm* standby = standby_of(side == 0 ? a : b);
                if (standby == nullptr) continue;
                const u32 intid = place(*standby, link.port[side][1], net_hand_over);
                if (intid != (side == 0 ? ia : ib))
                    arch::panic("vm %s: its virtio devices are not its partner's", standby->name());
                net_link_spare(link, side, *standby, intid);
            }
            log("channel %s: vm %s <-> vm %s, virtio-net (MAC 02:74:73:00:%02x:01 and :02)", d.name, a.name(), b.name(),
                k);
        } else if (d.kind == sysimg::CHANNEL_VIRTIO_CONSOLE) {
            ConsoleLink& link = *con++;
            console_link_init(link, k, a, place(a, link.dev, nullptr));
            const unsigned long long at = vplat::CHANNEL_BASE + u64{k} * vplat::CHANNEL_SLOT;
            log("channel %s: vm %s's virtio console <-> vm %s, %llu KiB at IPA %#llx", d.name, a.name(), b.name(),
                static_cast<unsigned long long>(d.size / KiB), at);
        }
    }
}

} // namespace tessera::virtio

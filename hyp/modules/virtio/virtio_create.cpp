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
    ModelDevice* tables[256] = {};
    for (u16 i = 0; i < sys.vm_count; ++i) {
        if (count[i] != 0) tables[i] = alloc_zeroed<ModelDevice>(alloc, count[i], "virtio devices");
    }
    NetLink* net = nets != 0 ? alloc_zeroed<NetLink>(alloc, nets, "virtio-net links") : nullptr;
    ConsoleLink* con = consoles != 0 ? alloc_zeroed<ConsoleLink>(alloc, consoles, "virtio consoles") : nullptr;
    // The next device of `vm`: where it goes and its interrupt.
    auto place = [&](Vm& vm, Transport& t) {
        const u8 j = vm.model_count++;
        tables[vm.id][j] = ModelDevice{{Ipa(vplat::VIRTIO_BASE + j * vplat::VIRTIO_SIZE), vplat::VIRTIO_SIZE},
                                       transport_access,
                                       transport_reset_hook,
                                       &t};
        vm.models = tables[vm.id];
        return vplat::VIRTIO_INTID + j;
    };
    for (u16 k = 0; k < sys.channel_count; ++k) {
        const ChannelDesc& d = sys.channels[k];
        Vm& a = g_vms.vms[d.vm[0]];
        Vm& b = g_vms.vms[d.vm[1]];
        if (d.kind == sysimg::CHANNEL_VIRTIO_NET) {
            NetLink& link = *net++;
            const u32 ia = place(a, link.end[0]);
            const u32 ib = place(b, link.end[1]);
            net_link_init(link, k, a, ia, b, ib);
            log("channel %s: vm %s <-> vm %s, virtio-net (MAC 02:74:73:00:%02x:01 and :02)", d.name, a.name(), b.name(),
                k);
        } else if (d.kind == sysimg::CHANNEL_VIRTIO_CONSOLE) {
            ConsoleLink& link = *con++;
            console_link_init(link, k, a, place(a, link.dev));
            const unsigned long long at = vplat::CHANNEL_BASE + u64{k} * vplat::CHANNEL_SLOT;
            log("channel %s: vm %s's virtio console <-> vm %s, %llu KiB at IPA %#llx", d.name, a.name(), b.name(),
                static_cast<unsigned long long>(d.size / KiB), at);
        }
    }
}

} // namespace tessera::virtio

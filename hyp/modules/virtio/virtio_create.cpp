// virtio_create.cpp — boot-only: each virtio channel's link, and each VM's table of model devices.
#include "virtio_create.hpp"

#include "arch.hpp"
#include "console.hpp"
#include "page_alloc.hpp"
#include "system_image.hpp"
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
    // Each VM's table of model devices, as long as its number of virtio channels.
    u8 count[256] = {};
    u16 links = 0;
    for (u16 k = 0; k < sys.channel_count; ++k) {
        const ChannelDesc& d = sys.channels[k];
        if (d.kind != sysimg::CHANNEL_VIRTIO_NET) continue;
        ++count[d.vm[0]];
        ++count[d.vm[1]];
        ++links;
    }
    if (links == 0) return;
    ModelDevice* tables[256] = {};
    for (u16 i = 0; i < sys.vm_count; ++i) {
        if (count[i] != 0) tables[i] = alloc_zeroed<ModelDevice>(alloc, count[i], "virtio devices");
    }
    NetLink* net = alloc_zeroed<NetLink>(alloc, links, "virtio-net links");
    for (u16 k = 0; k < sys.channel_count; ++k) {
        const ChannelDesc& d = sys.channels[k];
        if (d.kind != sysimg::CHANNEL_VIRTIO_NET) continue;
        NetLink& link = *net++;
        Vm& a = g_vms.vms[d.vm[0]];
        Vm& b = g_vms.vms[d.vm[1]];
        const u8 ja = a.model_count, jb = b.model_count;
        net_link_init(link, k, a, vplat::VIRTIO_INTID + ja, b, vplat::VIRTIO_INTID + jb);
        Vm* ends[2] = {&a, &b};
        for (unsigned i = 0; i < 2; ++i) {
            Vm& vm = *ends[i];
            const u8 j = vm.model_count++;
            tables[vm.id][j] = ModelDevice{{Ipa(vplat::VIRTIO_BASE + j * vplat::VIRTIO_SIZE), vplat::VIRTIO_SIZE},
                                           transport_access,
                                           transport_reset_hook,
                                           &link.end[i]};
            vm.models = tables[vm.id];
        }
        const u8* m = link.mac[0];
        log("channel %s: vm %s <-> vm %s, virtio-net (MAC 02:74:73:00:%02x:01 and :02)", d.name, a.name(), b.name(),
            m[4]);
    }
}

} // namespace tessera::virtio

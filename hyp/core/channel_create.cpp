// channel_create.cpp — boot-only: each channel's pages, mapped into its two VMs at the channel's place in the window.
#include "arch.hpp"
#include "channel.hpp"
#include "failover.hpp"
#include "page_alloc.hpp"
#include "string.hpp"
#include "system_image.hpp"
#include "vm.hpp"
#include "vplatform.hpp"

namespace tessera {

void channels_create(const SystemDesc& sys, PageAllocator& alloc) {
    if (sys.channel_count == 0) return;
    auto table = alloc.alloc(sizeof(Channel) * sys.channel_count);
    if (!table.ok()) arch::panic("no memory for %u channels", sys.channel_count);
    g_channels.channels = static_cast<Channel*>(arch::phys_to_ptr(table.value()));
    g_channels.count = sys.channel_count;
    for (u16 k = 0; k < sys.channel_count; ++k) {
        const ChannelDesc& d = sys.channels[k];
        // A virtio-net channel has no memory; a console channel's side 0 is
        // the hypervisor's device model, so its memory is the server's only.
        if (!sysimg::channel_memory(d.kind, 0) && !sysimg::channel_memory(d.kind, 1)) continue;
        auto pages = alloc.alloc(d.size);
        if (!pages.ok())
            arch::panic("channel %s: no memory for its %llu KiB", d.name,
                        static_cast<unsigned long long>(d.size / KiB));
        memset(arch::phys_to_ptr(pages.value()), 0, d.size);
        // Its MTE tags too: a VM with MTE reads none the board's last boot left.
        if (arch::el2_tags()) arch::clear_tags(arch::phys_to_ptr(pages.value()), d.size);
        Channel& c = *new (&g_channels.channels[k]) Channel{pages.value(), d.size, {d.vm[0], d.vm[1]}};
        const Ipa at(vplat::CHANNEL_BASE + k * vplat::CHANNEL_SLOT);
        for (unsigned side = 0; side < 2; ++side) {
            if (!sysimg::channel_memory(d.kind, side)) continue;
            Vm& vm = g_vms.vms[c.vm[side]];
            vm.channels[vm.channel_count++] = static_cast<u8>(k);
            if (vm.stage2.root().raw() == 0) continue; // (refused at boot)
            if (Status s = vm.stage2.map(at, c.pa, c.size, CHANNEL_ATTRS, alloc); s != Status::ok)
                arch::panic("channel %s: stage-2 map in vm %s: %s", d.name, vm.name(), status_name(s));
            // Its failover partner may take it over: the tables for that now.
            if (const u16 p = vm.desc->failure.partner; p != 0) failover_prepare(g_vms.vms[p - 1], k, alloc);
        }
        if (d.kind != sysimg::CHANNEL_RAW) continue; // (hyp/modules/virtio says what it made of it)
        log("channel %s: vm %s <-> vm %s, %llu KiB at IPA %#llx", d.name, g_vms.vms[d.vm[0]].name(),
            g_vms.vms[d.vm[1]].name(), static_cast<unsigned long long>(d.size / KiB),
            static_cast<unsigned long long>(at.raw()));
    }
}

} // namespace tessera

// failover.cpp — moving a failed VM's channels into its standby's stage-2, and telling the standby.
#include "failover.hpp"

#include "arch.hpp"
#include "board.hpp"
#include "channel.hpp"
#include "format.hpp"
#include "page_alloc.hpp"
#include "vgic.hpp"
#include "vm.hpp"
#include "vplatform.hpp"

namespace tessera {

namespace {

constexpr MapAttrs CHANNEL_ATTRS{true, true, false, MapAttrs::Mem::normal};
constexpr MapAttrs DEVICE_ATTRS{true, true, false, MapAttrs::Mem::device};

Ipa channel_ipa(unsigned k) { return Ipa(vplat::CHANNEL_BASE + k * vplat::CHANNEL_SLOT); }

/// Makes the tables `standby` needs to map [at, at + size) later, and leaves it unmapped.
void prepare(Vm& standby, Ipa at, PhysAddr pa, u64 size, MapAttrs attrs, PageAllocator& alloc, const char* what,
             unsigned which) {
    if (standby.stage2.root().raw() == 0 || size == 0) return; // (refused at boot; no memory)
    if (standby.stage2.map(at, pa, size, attrs, alloc) != Status::ok || standby.stage2.unmap(at, size) != Status::ok)
        arch::panic("vm %s: cannot prepare its stage-2 for its partner's %s %u", standby.name(), what, which);
}

/// Moves [at, at + size) from `failed`'s stage-2 to `standby`'s (tables made at boot).
void move_mapping(Vm& failed, Vm& standby, Ipa at, PhysAddr pa, u64 size, MapAttrs attrs) {
    PageAllocator none; // the tables exist (prepare): a takeover allocates nothing
    if (failed.stage2.root().raw() != 0 && failed.stage2.unmap(at, size) != Status::ok)
        arch::panic("vm %s: %#llx was not mapped as made", failed.name(), static_cast<unsigned long long>(at.raw()));
    if (const Status s = standby.stage2.map(at, pa, size, attrs, none); s != Status::ok)
        arch::panic("vm %s: cannot map its partner's %#llx: %s", standby.name(),
                    static_cast<unsigned long long>(at.raw()), status_name(s));
}

/// Appends "; WHAT a, b" to `out` (at `used`) for the `n` names or numbers `item(i)` writes.
template <typename Item> void list(char* out, usize cap, usize& used, const char* what, unsigned n, Item item) {
    if (n == 0) return;
    used += format_to(out + used, cap - used, "%s%s ", used == 0 ? "" : "; ", what);
    for (unsigned i = 0; i < n; ++i) {
        if (i != 0) used += format_to(out + used, cap - used, ", ");
        used += item(out + used, cap - used, i);
    }
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

void failover_hand_over(Vm& failed, Vm& standby) {
    char moved[160] = "";
    usize used = 0;
    const unsigned count = failed.channel_count;
    failed.channel_count = 0; // (it is off its cores; it restarts with none)
    for (unsigned i = 0; i < count; ++i) {
        const unsigned k = failed.channels[i];
        Channel& c = g_channels.channels[k];
        move_mapping(failed, standby, channel_ipa(k), c.pa, c.size, CHANNEL_ATTRS);
        // The standby's numbering first, then the side: a ring in between
        // finds the channel in the standby's list (or goes to the old VM, down).
        standby.channels[standby.channel_count] = static_cast<u8>(k);
        __atomic_store_n(&standby.channel_count, static_cast<u8>(standby.channel_count + 1), __ATOMIC_RELEASE);
        const unsigned side = c.vm[0] == failed.id ? 0 : 1;
        __atomic_store_n(&c.vm[side], standby.id, __ATOMIC_RELEASE);
    }
    list(moved, sizeof moved, used, "channels", count,
         [&](char* out, usize cap, unsigned i) { return format_to(out, cap, "%u", failed.channels[i]); });
    // Its devices: registers, then their interrupt (one the failed VM left
    // active is finished: it never will be).
    unsigned devices[board::DEVICE_COUNT] = {};
    unsigned device_count = 0;
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) {
        if (device_owner(i) != &failed) continue;
        const board::Device& dev = board::DEVICES[i];
        move_mapping(failed, standby, Ipa(dev.base), PhysAddr(dev.base), dev.size, DEVICE_ATTRS);
        set_device_owner(i, &standby);
        arch::move_device_irq(dev.intid, standby.vcpus[0].core);
        devices[device_count++] = i;
    }
    list(moved, sizeof moved, used, "devices", device_count,
         [&](char* out, usize cap, unsigned i) { return format_to(out, cap, "%s", board::DEVICES[devices[i]].name); });
    arch::stage2_unmapped(); // the failed VM's cached translations of them go
    // Its virtio devices' cables, to their twins at the same places.
    unsigned models = 0;
    for (unsigned j = 0; j < failed.model_count && j < standby.model_count; ++j) {
        if (failed.models[j].hand_over == nullptr) continue;
        failed.models[j].hand_over(failed.models[j].self, standby.models[j].self);
        ++models;
    }
    list(moved, sizeof moved, used, "virtio devices", models,
         [&](char* out, usize cap, unsigned j) { return format_to(out, cap, "%u", j); });
    failed.standby.store(true, std::memory_order_release);
    standby.standby.store(false, std::memory_order_release);
    ++standby.health.takeovers;
    log("vm %s: takes over from vm %s at %llu us: %s", standby.name(), failed.name(),
        static_cast<unsigned long long>(arch::now_us()), used != 0 ? moved : "it owned nothing to move");
    vgic_inject(standby.vcpus[0], vplat::HA_INTID);
}

void failover_partner_ended(Vm& standby) {
    if (standby.state.load(std::memory_order_acquire) == VmState::running)
        vgic_inject(standby.vcpus[0], vplat::HA_INTID);
}

} // namespace tessera

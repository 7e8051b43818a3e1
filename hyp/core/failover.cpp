// failover.cpp — moving a failed VM's channels, devices and virtio cables to its standby, and telling the standby.
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

/// Moves [at, at + size) from `failed`'s stage-2 to `standby`'s (tables made at boot).
void move_mapping(Vm& failed, Vm& standby, Ipa at, PhysAddr pa, u64 size, MapAttrs attrs) {
    PageAllocator none; // the tables exist (prepare): a takeover allocates nothing
    if (failed.stage2.root().raw() != 0 && failed.stage2.unmap(at, size) != Status::ok)
        arch::panic("vm %s: %#llx was not mapped as made", failed.name(), static_cast<unsigned long long>(at.raw()));
    if (const Status s = standby.stage2.map(at, pa, size, attrs, none); s != Status::ok)
        arch::panic("vm %s: cannot map its partner's %#llx: %s", standby.name(),
                    static_cast<unsigned long long>(at.raw()), status_name(s));
}

/// The takeover's log line: what moved, by kind ("channels 0, 1; devices rtc; virtio devices 0").
class Moved {
public:
    /// Adds `name` to the group `kind` (given in turn, one group after the other).
    void add(const char* kind, const char* name) {
        const bool same = kind == kind_;
        used_ += format_to(text_ + used_, sizeof text_ - used_, "%s%s%s", same ? ", " : (used_ != 0 ? "; " : ""),
                           same ? "" : kind, name);
        kind_ = kind;
    }
    void add(const char* kind, unsigned n) {
        char number[12];
        format_to(number, sizeof number, "%u", n);
        add(kind, number);
    }
    [[nodiscard]] const char* text() const { return used_ != 0 ? text_ : "it owned nothing to move"; }

private:
    char text_[160] = "";
    usize used_ = 0;
    const char* kind_ = nullptr;
};

} // namespace

void failover_hand_over(Vm& failed, Vm& standby) {
    Moved moved;
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
        moved.add("channels ", k);
    }
    // Its devices: registers, then their interrupt (one the failed VM left
    // active is finished: it never will be).
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) {
        if (device_owner(i) != &failed) continue;
        const board::Device& dev = board::DEVICES[i];
        move_mapping(failed, standby, Ipa(dev.base), PhysAddr(dev.base), dev.size, DEVICE_ATTRS);
        set_device_owner(i, &standby);
        arch::move_device_irq(dev.intid, standby.vcpus[0].core);
        moved.add("devices ", dev.name);
    }
    arch::stage2_unmapped(); // the failed VM's cached translations of them go
    // Its virtio devices' cables, to their twins at the same places.
    for (unsigned j = 0; j < failed.model_count && j < standby.model_count; ++j) {
        if (failed.models[j].hand_over == nullptr) continue;
        failed.models[j].hand_over(failed.models[j].self, standby.models[j].self);
        moved.add("virtio devices ", j);
    }
    failed.standby.store(true, std::memory_order_release);
    standby.standby.store(false, std::memory_order_release);
    ++standby.health.takeovers;
    log("vm %s: takes over from vm %s at %llu us: %s", standby.name(), failed.name(),
        static_cast<unsigned long long>(arch::now_us()), moved.text());
    vgic_inject(standby.vcpus[0], vplat::HA_INTID);
}

void failover_partner_ended(Vm& standby) {
    if (standby.state.load(std::memory_order_acquire) == VmState::running)
        vgic_inject(standby.vcpus[0], vplat::HA_INTID);
}

} // namespace tessera

// failover.cpp — moving a failed VM's channels into its standby's stage-2, and telling the standby.
#include "failover.hpp"

#include "arch.hpp"
#include "channel.hpp"
#include "format.hpp"
#include "page_alloc.hpp"
#include "vgic.hpp"
#include "vm.hpp"
#include "vplatform.hpp"

namespace tessera {

namespace {

constexpr MapAttrs CHANNEL_ATTRS{true, true, false, MapAttrs::Mem::normal};

Ipa channel_ipa(unsigned k) { return Ipa(vplat::CHANNEL_BASE + k * vplat::CHANNEL_SLOT); }

} // namespace

void failover_prepare(Vm& standby, unsigned k, PageAllocator& alloc) {
    const Channel& c = g_channels.channels[k];
    if (standby.stage2.root().raw() == 0 || c.size == 0) return; // (refused at boot; no memory)
    if (standby.stage2.map(channel_ipa(k), c.pa, c.size, CHANNEL_ATTRS, alloc) != Status::ok ||
        standby.stage2.unmap(channel_ipa(k), c.size) != Status::ok)
        arch::panic("vm %s: cannot prepare its stage-2 for its partner's channel %u", standby.name(), k);
}

void failover_hand_over(Vm& failed, Vm& standby) {
    PageAllocator none; // the tables exist (failover_prepare): a takeover allocates nothing
    char moved[96] = "";
    usize used = 0;
    const unsigned count = failed.channel_count;
    failed.channel_count = 0; // (it is off its cores; it restarts with none)
    for (unsigned i = 0; i < count; ++i) {
        const unsigned k = failed.channels[i];
        Channel& c = g_channels.channels[k];
        if (failed.stage2.root().raw() != 0 && failed.stage2.unmap(channel_ipa(k), c.size) != Status::ok)
            arch::panic("vm %s: channel %u was not mapped as made", failed.name(), k);
        const Status s = standby.stage2.map(channel_ipa(k), c.pa, c.size, CHANNEL_ATTRS, none);
        if (s != Status::ok)
            arch::panic("vm %s: cannot map its partner's channel %u: %s", standby.name(), k, status_name(s));
        // The standby's numbering first, then the side: a ring in between
        // finds the channel in the standby's list (or goes to the old VM, down).
        standby.channels[standby.channel_count] = static_cast<u8>(k);
        __atomic_store_n(&standby.channel_count, static_cast<u8>(standby.channel_count + 1), __ATOMIC_RELEASE);
        const unsigned side = c.vm[0] == failed.id ? 0 : 1;
        __atomic_store_n(&c.vm[side], standby.id, __ATOMIC_RELEASE);
        used += format_to(moved + used, sizeof moved - used, "%s%u", i == 0 ? "" : ", ", k);
    }
    arch::stage2_unmapped(); // the failed VM's cached translations of them go
    failed.standby.store(true, std::memory_order_release);
    standby.standby.store(false, std::memory_order_release);
    ++standby.health.takeovers;
    log("vm %s: takes over from vm %s at %llu us: its channels (%s) are now this VM's", standby.name(), failed.name(),
        static_cast<unsigned long long>(arch::now_us()), count != 0 ? moved : "none");
    vgic_inject(standby.vcpus[0], vplat::HA_INTID);
}

void failover_partner_ended(Vm& standby) {
    if (standby.state.load(std::memory_order_acquire) == VmState::running)
        vgic_inject(standby.vcpus[0], vplat::HA_INTID);
}

} // namespace tessera

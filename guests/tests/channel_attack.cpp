// channel_attack.cpp — a hostile channel peer: side 0 scribbles over the whole channel (ring indexes, lengths, data)
// and floods the doorbell; side 1 keeps reading with the guest kit and must only ever see a broken ring, never fault.
//
// (Side 1 sleeps between doorbells: under QEMU -icount, cores run in turn,
// 100 ms of virtual time each while none halts, so a second busy core would
// hold up the real-time partition beside the attacker for QEMU's reasons.)
#include "channel.hpp"
#include "gic.hpp"
#include "kit.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u32 VTIMER = 27;
volatile u32 g_rings = 0;
u32 g_doorbell = 0;

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false; // any other exception: the kit reports it and the VM fails
    for (u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) {
        if (id == g_doorbell) g_rings = g_rings + 1;
        if (id == VTIMER) asm volatile("msr cntv_ctl_el0, xzr; isb"); // (once: the end has come)
        kit::gic::end(id);
    }
    return true;
}

u64 g_seed = 0x9e37'79b9'7f4a'7c15ull;
u32 next_random() {
    g_seed ^= g_seed << 13;
    g_seed ^= g_seed >> 7;
    g_seed ^= g_seed << 17;
    return static_cast<u32>(g_seed);
}

/// Side 0: garbage over every word of the channel, then a doorbell, again and again.
void attack(const kit::Channel& c, u64 until) {
    u64 rounds = 0, rings = 0;
    auto* words = reinterpret_cast<volatile u32*>(c.base);
    while (kit::counter() < until) {
        for (u64 i = 0; i < c.size / 4; i += 1 + next_random() % 64) words[i] = next_random();
        for (int k = 0; k < 16; ++k) rings += kit::channel_ring(c) == 0 ? 1 : 0;
        ++rounds;
    }
    kit::print("attacker: %llu rounds of scribbling, %llu doorbells rung\n", static_cast<unsigned long long>(rounds),
               static_cast<unsigned long long>(rings));
}

/// Side 1: reads as an honest endpoint does, whatever is in the memory:
/// sleeping until a doorbell (or its own timer, at the end), then draining.
void endure(kit::Channel& c, u64 until) {
    u64 broken = 0, messages = 0;
    char buf[64];
    kit::gic::enable(VTIMER, 0);
    asm volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(until), "r"(1ull));
    while (kit::counter() < until) {
        asm volatile("wfi");
        for (u32 got = 0; (got = kit::channel_receive(c, buf, sizeof buf)) != kit::CHANNEL_EMPTY;) {
            if (got == kit::CHANNEL_BROKEN) {
                ++broken;
                break; // (a broken ring stays broken until the peer writes again)
            }
            ++messages;
        }
    }
    kit::print("victim: %u doorbells taken; the ring was broken %s; still running\n", g_rings,
               broken > 0 ? "and said so" : "never");
    kit::check(broken > 0 && g_rings > 0, "a scribbled ring is reported broken, and the doorbells arrive");
    (void)messages;
}

} // namespace

int main() {
    kit::set_exception_handler(on_irq);
    kit::Channel c;
    kit::check(kit::channel_open(0, c), "a channel");
    g_doorbell = c.doorbell;
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(c.doorbell, 0);
    kit::gic::irq_on();
    const u64 until = kit::counter() + kit::counter_frequency() / 2; // half a second
    if (c.side == 0)
        attack(c, until);
    else
        endure(c, until);
    kit::pass();
}

// channels.cpp — two VMs talk over a raw channel (messages through its memory, doorbells both ways); a third,
// not an endpoint, finds no channel and cannot touch its memory.
#include "channel.hpp"
#include "format.hpp"
#include "gic.hpp"
#include "kit.hpp"
#include "vplatform.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u32 MESSAGES = 64;

volatile u32 g_rings = 0;    // doorbell interrupts taken
volatile u32 g_aborts = 0;   // external aborts taken (the spy)
volatile u32 g_doorbell = 0; // the doorbell's INTID, once known

bool on_exception(kit::ExceptionFrame& f, u64 kind) {
    if (kind == 1) {
        for (u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) {
            if (id == g_doorbell) g_rings = g_rings + 1;
            kit::gic::end(id);
        }
        return true;
    }
    if ((f.esr >> 26) == 0x25) { // data abort from EL1: the spy's read
        g_aborts = g_aborts + 1;
        f.elr += 4;
        return true;
    }
    return false;
}

/// Sleeps until the doorbell has rung more than `seen` times. (With IRQs
/// masked from the look to the WFI: a ring taken between the two left the
/// vCPU asleep for ever, alone on its core, with nothing else to wake it.)
void wait_ring(u32 seen) {
    kit::gic::sleep_until([seen] { return g_rings > seen; });
}

void listen(const kit::Channel& c) {
    g_doorbell = c.doorbell;
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(c.doorbell, 0);
    kit::gic::irq_on();
}

/// The first endpoint: sends numbered messages, one at a time, and checks each echo.
void ping(kit::Channel& c) {
    u64 total = 0;
    for (u32 i = 0; i < MESSAGES; ++i) {
        char msg[32];
        tessera::format_to(msg, sizeof msg, "ping %u", i);
        const u32 len = static_cast<u32>(__builtin_strlen(msg));
        const u32 seen = g_rings;
        const u64 start = kit::counter();
        kit::check(kit::channel_send(c, msg, len), "a message fits in the ring");
        kit::check(kit::channel_ring(c) == 0, "the peer's doorbell rings");
        char back[32];
        u32 got = kit::CHANNEL_EMPTY;
        while ((got = kit::channel_receive(c, back, sizeof back)) == kit::CHANNEL_EMPTY) wait_ring(seen);
        total += kit::counter() - start;
        kit::check(got == len + 1 && back[0] == 'e' && __builtin_memcmp(back + 1, msg, len) == 0,
                   "the echo is the message");
    }
    const u64 ns = total * 1'000'000'000 / kit::counter_frequency() / MESSAGES;
    kit::print("ping: %u messages echoed by vm %u (round trip %llu ns)\n", MESSAGES, c.peer,
               static_cast<unsigned long long>(ns));
}

/// The second endpoint: echoes each message back with an 'e' in front.
void pong(kit::Channel& c) {
    for (u32 n = 0; n < MESSAGES;) {
        const u32 seen = g_rings;
        char msg[32];
        const u32 got = kit::channel_receive(c, msg + 1, sizeof msg - 1);
        kit::check(got != kit::CHANNEL_BROKEN, "the peer's ring makes sense");
        if (got == kit::CHANNEL_EMPTY) {
            wait_ring(seen);
            continue;
        }
        msg[0] = 'e';
        kit::check(kit::channel_send(c, msg, got + 1), "the echo fits in the ring");
        kit::check(kit::channel_ring(c) == 0, "the peer's doorbell rings");
        ++n;
    }
    kit::print("pong: echoed %u messages, %u doorbells\n", MESSAGES, g_rings);
}

} // namespace

int main() {
    kit::set_exception_handler(on_exception);
    kit::Channel c;
    if (!kit::channel_open(0, c)) {
        // Not an endpoint: no channel, no memory there, no doorbell to ring.
        const auto* window = reinterpret_cast<volatile u32*>(tessera::vplat::CHANNEL_BASE);
        (void)*window;
        const long rang = static_cast<long>(kit::hvc(tessera::abi::TESSERA_CHANNEL_RING, 0).x0);
        kit::print("spy: no channel; reading the channel window: %u external abort(s); ringing: %ld\n", g_aborts, rang);
        kit::check(g_aborts == 1 && rang == tessera::abi::PSCI_INVALID_PARAMETERS,
                   "a third VM cannot reach the channel");
        kit::pass();
    }
    kit::print("channel 0: %llu KiB at %p, side %u, doorbell INTID %u, peer vm %u\n",
               static_cast<unsigned long long>(c.size / 1024), static_cast<void*>(c.base), c.side, c.doorbell, c.peer);
    listen(c);
    if (c.side == 0)
        ping(c);
    else
        pong(c);
    kit::pass();
}

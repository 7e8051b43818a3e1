// bench_channel.cpp — raw-channel path lengths between two VMs on two cores: a doorbell's latency (ring -> the
// peer's handler) and a message's round trip through the guest kit's rings.
//
// Counted with the virtual counter, which under QEMU -icount shift=0 ticks
// once per 16 executed instructions (62.5 MHz, 1 ns per instruction), over
// many rounds. Side 0 prints "BENCH channel_round_trip <total instructions>
// <count>", side 1 "BENCH doorbell_latency ...". The messages go through the
// kit's rings in all but the channel's last page, where side 0 stamps the
// counter just before each ring.
#include "channel.hpp"
#include "gic.hpp"
#include "kit.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u32 ROUNDS = 256;

volatile u32 g_rings = 0;
volatile u64 g_entered_at = 0; // counter at the doorbell handler's entry
u32 g_doorbell = 0;
volatile u64* g_stamp = nullptr; // in the channel's last page: when side 0 rang

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    const u64 t = kit::counter();
    if (kind != 1) return false;
    for (u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) {
        if (id == g_doorbell) {
            g_entered_at = t;
            g_rings = g_rings + 1;
        }
        kit::gic::end(id);
    }
    return true;
}

void wait_ring(u32 seen) {
    kit::gic::sleep_until([&] { return g_rings != seen; });
}

/// Side 0: a message out and back, each way with a doorbell.
u64 round_trips(kit::Channel& c) {
    u64 total = 0;
    for (u32 i = 0; i < ROUNDS; ++i) {
        const u32 seen = g_rings;
        const u64 start = kit::counter();
        const u64 payload = i;
        kit::check(kit::channel_send(c, &payload, sizeof payload), "the message fits");
        __atomic_store_n(g_stamp, kit::counter(), __ATOMIC_RELEASE);
        kit::check(kit::channel_ring(c) == 0, "the doorbell rings");
        wait_ring(seen);
        u64 back = 0;
        kit::check(kit::channel_receive(c, &back, sizeof back) == sizeof back, "the reply arrives");
        total += kit::counter() - start;
    }
    return total;
}

/// Side 1: for each message, the time from the peer's stamp just before its
/// ring to this handler's entry, then the reply.
u64 doorbells(kit::Channel& c) {
    u64 total = 0;
    for (u32 i = 0; i < ROUNDS;) {
        const u32 seen = g_rings;
        u64 payload = 0;
        const u32 got = kit::channel_receive(c, &payload, sizeof payload);
        kit::check(got != kit::CHANNEL_BROKEN, "the ring makes sense");
        if (got == kit::CHANNEL_EMPTY) {
            wait_ring(seen);
            continue;
        }
        total += g_entered_at - __atomic_load_n(g_stamp, __ATOMIC_ACQUIRE);
        kit::check(kit::channel_send(c, &payload, sizeof payload), "the reply fits");
        kit::check(kit::channel_ring(c) == 0, "the doorbell rings");
        ++i;
    }
    return total;
}

} // namespace

int main() {
    kit::use_uart_console();
    kit::set_exception_handler(on_irq);
    kit::Channel c;
    kit::check(kit::channel_open(0, c) && c.size >= u64{3} * 4096, "a channel of 12 KiB or more");
    g_stamp = reinterpret_cast<volatile u64*>(c.base + c.size - 4096);
    c.size -= 4096; // (the rings: the rest)
    g_doorbell = c.doorbell;
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(c.doorbell, 0);
    kit::gic::irq_on();
    const u64 scale = 1'000'000'000 / kit::counter_frequency();
    if (c.side == 0) {
        const u64 total = round_trips(c);
        kit::print("BENCH channel_round_trip %llu %u\n", static_cast<unsigned long long>(total) * scale, ROUNDS);
        kit::print("BENCH done 0 1\n");
    } else {
        const u64 total = doorbells(c);
        kit::print("BENCH doorbell_latency %llu %u\n", static_cast<unsigned long long>(total) * scale, ROUNDS);
    }
    kit::poweroff();
}

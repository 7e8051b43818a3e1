// client.cpp — asks a failover pair's service 8 questions over a raw channel, then says bye; every answer must come,
// whoever gives it (tests/system/CMakeLists.txt: failover).
#include "channel.hpp"
#include "format.hpp"
#include "gic.hpp"
#include "kit.hpp"
#include "vplatform.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u32 REQUESTS = 8;

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false;
    for (u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) kit::gic::end(id); // (wakes the wait)
    return true;
}

/// Sends `msg` and waits for its answer, ringing again while the service is down or silent (a failover under way).
void ask(kit::Channel& c, const char* msg) {
    kit::check(kit::channel_send(c, msg, static_cast<u32>(__builtin_strlen(msg))), "the request fits");
    const u64 freq = kit::counter_frequency();
    const u64 start = kit::counter();
    u64 rang = 0;
    for (;;) {
        char reply[96];
        const u32 n = kit::channel_receive(c, reply, sizeof reply - 1);
        kit::check(n != kit::CHANNEL_BROKEN, "the service's ring makes sense");
        if (n != kit::CHANNEL_EMPTY) {
            reply[n] = 0;
            kit::print("reply: %s\n", reply);
            return;
        }
        kit::check(kit::counter() - start < 10 * freq, "an answer within 10 s");
        if (kit::counter() - rang > freq / 100) { // every 10 ms until it answers
            (void)kit::channel_ring(c);           // (CHANNEL_PEER_DOWN while the pair changes over)
            rang = kit::counter();
        }
        asm volatile("wfe"); // (the event stream wakes it; the doorbell too)
    }
}

} // namespace

int main() {
    kit::set_exception_handler(on_irq);
    kit::Channel c;
    kit::check(kit::channel_open(0, c), "the client has the service channel");
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(c.doorbell, 0);
    kit::gic::irq_on();
    for (u32 i = 1; i <= REQUESTS; ++i) {
        char msg[16];
        tessera::format_to(msg, sizeof msg, "req %u", i);
        ask(c, msg);
    }
    ask(c, "bye");
    kit::print("all %u requests answered\n", REQUESTS);
    return 0;
}

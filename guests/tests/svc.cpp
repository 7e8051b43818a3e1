// svc.cpp — one VM of a failover pair serving a client over a raw channel (tests/system/CMakeLists.txt: failover).
//
// The pair's active VM answers each request "req N" with "req N served by
// vm ID"; on its first run it fails after 3 (a fault it cannot take). The
// standby waits for the hypervisor's notice (HA_INTID), then takes the
// channel over where its predecessor left it (channel_resume). A standby
// whose partner ends for good ends too. Whichever is active first shows that
// it has the pair's device, the board's clock: it reads it, and its alarm
// interrupt arrives (the standby touching it would take an external abort).
#include "channel.hpp"
#include "format.hpp"
#include "gic.hpp"
#include "kit.hpp"
#include "vplatform.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u64 RTC = 0x0901'0000; // the board's PL031 (docs/configuration.md)
constexpr u64 RTCDR = 0x000, RTCMR = 0x004, RTCIMSC = 0x010, RTCICR = 0x01c;
constexpr u32 RTC_INTID = 34;
volatile u32 g_alarms = 0;

volatile u32& rtc(u64 off) { return *reinterpret_cast<volatile u32*>(RTC + off); }

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false;
    for (u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) {
        if (id == RTC_INTID) {
            rtc(RTCIMSC) = 0;
            rtc(RTCICR) = 1;
            g_alarms = g_alarms + 1;
        }
        kit::gic::end(id); // (wakes the WFI)
    }
    return true;
}

/// The pair's clock is this VM's now: it reads it, and its alarm one second on interrupts this VM.
void use_the_clock() {
    const u32 now = rtc(RTCDR);
    kit::check(now > 1'600'000'000, "the clock reads a plausible time");
    const u32 before = g_alarms;
    rtc(RTCICR) = 1;
    rtc(RTCMR) = now + 1;
    rtc(RTCIMSC) = 1;
    const u64 end = kit::counter() + 4 * kit::counter_frequency();
    // (No timer is armed: the bound is only looked at when something wakes it.)
    kit::gic::sleep_until([&] { return g_alarms != before || kit::counter() >= end; });
    kit::check(g_alarms != before, "the clock's alarm interrupt arrives within 4 s");
    kit::print("active: the clock reads %u s; its alarm interrupt arrived\n", now);
}

[[noreturn]] void fail() {
    asm volatile("msr vbar_el1, %0; isb" ::"r"(0x4040'0000ull)); // nowhere to take the abort
    (void)*reinterpret_cast<volatile u64*>(0x4800'0000ull);
    kit::exit(9);
}

} // namespace

int main() {
    kit::set_exception_handler(on_irq);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(tessera::vplat::HA_INTID, 0);
    kit::gic::enable(RTC_INTID, 0);
    kit::gic::irq_on();
    const u64 me = kit::vm_info().vm_id;
    kit::HaStatus st = kit::ha_status();
    const bool first_run = !st.standby && st.takeovers == 0 && kit::vm_info().restarts == 0;
    if (st.standby) {
        kit::print("standby: waiting for vm %llu\n", static_cast<unsigned long long>(st.partner));
        // (Looked at with IRQs masked up to the WFI: a notice that came
        // between a look and the WFI would leave it asleep for good.)
        kit::gic::sleep_until([&] {
            st = kit::ha_status();
            if (st.standby && !st.partner_alive) {
                kit::print("standby: vm %llu has ended, so do I\n", static_cast<unsigned long long>(st.partner));
                kit::poweroff();
            }
            return !st.standby;
        });
        kit::print("active: took over from vm %llu\n", static_cast<unsigned long long>(st.partner));
    } else {
        kit::print("active\n");
    }
    use_the_clock();
    kit::Channel c;
    kit::check(kit::channel_open(0, c), "the active VM has the service channel");
    if (st.takeovers > 0) kit::channel_resume(c);
    kit::gic::enable(c.doorbell, 0);
    u32 served = 0;
    for (;;) {
        char req[64];
        u32 n = 0;
        kit::gic::sleep_until([&] { return (n = kit::channel_receive(c, req, sizeof req - 1)) != kit::CHANNEL_EMPTY; });
        kit::check(n != kit::CHANNEL_BROKEN, "the client's ring makes sense");
        req[n] = 0;
        char reply[96];
        tessera::format_to(reply, sizeof reply, "%s served by vm %llu", req, static_cast<unsigned long long>(me));
        kit::check(kit::channel_send(c, reply, static_cast<u32>(__builtin_strlen(reply))), "the reply fits");
        (void)kit::channel_ring(c);
        if (__builtin_strcmp(req, "bye") == 0) {
            kit::print("served %u requests; done\n", served);
            kit::poweroff();
        }
        if (++served == 3 && first_run) {
            kit::print("failing after 3 requests\n");
            fail();
        }
    }
}

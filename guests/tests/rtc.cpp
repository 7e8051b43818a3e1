// rtc.cpp — a VM sees and receives only the devices its system file gives it (the board's PL031 clock).
//
// The same program runs in two VMs. It reads the clock: in the VM that owns
// it the read works, its alarm is set one second ahead and its interrupt
// (SPI 2, INTID 34) must arrive; in a VM that does not, the read must come
// back as an external abort, and no clock interrupt may arrive either.
#include "gic.hpp"
#include "kit.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u64 RTC = 0x0901'0000;
constexpr u64 RTCDR = 0x000, RTCMR = 0x004, RTCIMSC = 0x010, RTCICR = 0x01c;
constexpr u32 RTC_INTID = 34;

volatile u64 g_aborts = 0;
volatile u64 g_alarms = 0;

volatile u32& reg(u64 off) { return *reinterpret_cast<volatile u32*>(RTC + off); }

bool on_exception(kit::ExceptionFrame& f, u64 kind) {
    if (kind == 0 && (f.esr >> 26) == 0x25 && f.far == RTC + RTCDR) { // data abort on the clock
        g_aborts = g_aborts + 1;
        f.x[0] = 0;
        f.elr += 4;
        return true;
    }
    if (kind != 1) return false;
    const u32 id = kit::gic::ack();
    if (id == RTC_INTID) {
        g_alarms = g_alarms + 1;
        reg(RTCIMSC) = 0;
        reg(RTCICR) = 1;
    }
    if (id < 1020) kit::gic::end(id);
    return true;
}

/// Waits up to `seconds` for an alarm interrupt.
bool alarm_within(u64 seconds) {
    const u64 freq = kit::counter_frequency();
    const u64 end = kit::counter() + seconds * freq;
    while (g_alarms == 0 && kit::counter() < end) {}
    return g_alarms != 0;
}

u64 read_clock() {
    register u64 x0 asm("x0") = 0;
    asm volatile("ldr w0, [%1]" : "+r"(x0) : "r"(RTC + RTCDR) : "memory");
    return x0;
}

} // namespace

int main() {
    kit::set_exception_handler(on_exception);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(RTC_INTID, 0);
    kit::gic::irq_on();
    const u64 now = read_clock();
    if (g_aborts == 0) {
        kit::check(now > 1'600'000'000, "the clock reads a plausible time");
        reg(RTCICR) = 1;
        reg(RTCMR) = static_cast<u32>(now + 1);
        reg(RTCIMSC) = 1;
        kit::check(alarm_within(4), "the owner receives its clock's interrupt");
        kit::print("rtc: owner read the clock (%llu s since 1970) and got its alarm interrupt\n",
                   static_cast<unsigned long long>(now));
    } else {
        kit::print("rtc: not this VM's: reading the clock raised an external abort\n");
        kit::check(!alarm_within(4), "no clock interrupt reaches a VM that does not own it");
        kit::print("rtc: and no clock interrupt arrived in 4 s\n");
    }
    return 0;
}

// victim.cpp — the attack suite's victim: a periodic task beside the attacker, checking at every release that its
// heartbeat is on time, that an interrupt it sends itself arrives, and that a secret in its RAM is what it wrote.
//
// Period 10 ms, 60 releases from 50 ms after boot. Reports the releases, the deadlines missed, the SGIs that came
// back and the secret's state; fails on any miss.
#include "gic.hpp"
#include "kit.hpp"
#include "releases.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u32 VTIMER = 27, SGI = 5;
constexpr u64 RELEASES = 60;
constexpr u64 SECRET_WORDS = 8192; // 64 KiB

u64 g_secret[SECRET_WORDS];
volatile u64 g_fired = 0;
volatile u64 g_sgis = 0;

u64 pattern(u64 i) { return (i + 1) * 0x9e37'79b9'7f4a'7c15ull ^ 0x7365'6372'6574ull; }

bool secret_intact() {
    bool ok = true;
    for (u64 i = 0; i < SECRET_WORDS; ++i) ok &= g_secret[i] == pattern(i);
    return ok;
}

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false;
    const u32 id = kit::gic::ack();
    if (id == VTIMER) {
        g_fired = g_fired + 1;
        asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(0ull));
    } else if (id == SGI) {
        g_sgis = g_sgis + 1;
    }
    if (id < 1020) kit::gic::end(id);
    return true;
}

} // namespace

int main() {
    for (u64 i = 0; i < SECRET_WORDS; ++i) g_secret[i] = pattern(i);
    const u64 freq = kit::counter_frequency();
    const u64 period = freq / 100; // 10 ms
    kit::set_exception_handler(on_irq);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(VTIMER, 0);
    kit::gic::enable(SGI, 0);
    kit::gic::irq_on();

    u64 secret_broken = 0;
    const u64 missed = releases::run(5 * period, period, RELEASES, g_fired, [&] {
        const u64 sgis = g_sgis;
        kit::gic::send_sgi(SGI, 0);
        kit::gic::sleep_until([&] { return g_sgis != sgis; });
        if (!secret_intact()) ++secret_broken;
    });
    kit::gic::irq_off();
    kit::print("%llu releases, %llu deadlines missed, %llu of %llu SGIs back, secret %s\n",
               static_cast<unsigned long long>(RELEASES), static_cast<unsigned long long>(missed),
               static_cast<unsigned long long>(g_sgis), static_cast<unsigned long long>(RELEASES),
               secret_broken == 0 ? "intact" : "CHANGED");
    kit::check(missed == 0 && g_sgis == RELEASES && secret_broken == 0, "heartbeat, interrupts and secret kept");
    kit::pass();
}

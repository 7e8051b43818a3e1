// periodic.cpp — a periodic real-time task on its virtual timer: every release must finish before the next.
//
// Period 10 ms, 30 releases on a fixed timeline (from 50 ms after the
// counter started, i.e. boot), about 0.2 ms of work each. Reports the worst
// release latency (timer deadline to handler) and fails on a missed
// deadline — also one missed because the task could not even start in time.
#include "gic.hpp"
#include "kit.hpp"
#include "releases.hpp"

using tessera::u32;
using tessera::u64;

namespace {

constexpr u32 VTIMER = 27;
constexpr u64 RELEASES = 30;

volatile u64 g_fired = 0;
volatile u64 g_latency = 0; // ticks, of the last release

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false;
    const u32 id = kit::gic::ack();
    if (id == VTIMER) {
        u64 cval;
        asm volatile("mrs %0, cntv_cval_el0" : "=r"(cval));
        g_latency = kit::counter() - cval;
        g_fired = g_fired + 1;
        asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(0ull));
    }
    if (id < 1020) kit::gic::end(id);
    return true;
}

} // namespace

int main() {
    const u64 freq = kit::counter_frequency();
    const u64 period = freq / 100; // 10 ms
    const u64 work = freq / 5000;  // 0.2 ms
    kit::set_exception_handler(on_irq);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(VTIMER, 0);
    kit::gic::irq_on();

    u64 worst = 0;
    const u64 missed = releases::run(5 * period, period, RELEASES, g_fired, [&] {
        if (g_latency > worst) worst = g_latency;
        for (const u64 t = kit::counter(); kit::counter() - t < work;) {}
    });
    kit::gic::irq_off();
    kit::print("%llu releases, %llu deadlines missed, worst release latency %llu us\n",
               static_cast<unsigned long long>(RELEASES), static_cast<unsigned long long>(missed),
               static_cast<unsigned long long>(worst * 1'000'000 / freq));
    kit::check(missed == 0, "every deadline met");
    kit::pass();
}

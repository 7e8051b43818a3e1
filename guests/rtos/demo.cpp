// demo.cpp — the RTOS partition's demo: periodic tasks at three priorities report to a monitor through a queue.
//
// fast (every 2 ms, priority 5), mid (5 ms, 4) and slow (10 ms, 3) each do
// a little work per release and send the monitor (priority 2) how late they
// started and whether they finished before their next release. After 2 s the
// monitor reports activations, deadline misses and the worst timer-interrupt
// latency, and the partition ends.
#include "kit.hpp"
#include "rtos.hpp"

using rtos::u64;

namespace {

constexpr u64 RUN_TICKS = 2000;

struct Task {
    const char* name;
    u64 period; ///< ticks
    u64 activations;
    u64 missed;
};

struct Report {
    unsigned task;
    u64 lateness; ///< ticks between its release and its start
    bool missed;
};

Task g_tasks[] = {{"fast", 2, 0, 0}, {"mid", 5, 0, 0}, {"slow", 10, 0, 0}};
rtos::Queue<Report, 16> g_reports;

void spin_us(u64 us) {
    const u64 f = kit::counter_frequency();
    const u64 t0 = kit::counter();
    while ((kit::counter() - t0) * 1'000'000 < us * f) {}
}

void periodic(u64 index) {
    const Task& task = g_tasks[index];
    for (u64 release = task.period; release < RUN_TICKS; release += task.period) {
        rtos::sleep_until(release);
        const u64 started = rtos::ticks();
        spin_us(100);
        g_reports.send(Report{static_cast<unsigned>(index), started - release, rtos::ticks() >= release + task.period});
    }
}

void monitor(u64) {
    u64 worst_lateness = 0;
    while (rtos::ticks() < RUN_TICKS) {
        const Report r = g_reports.receive();
        Task& t = g_tasks[r.task];
        ++t.activations;
        if (r.missed) ++t.missed;
        if (r.lateness > worst_lateness) worst_lateness = r.lateness;
        if (g_tasks[2].activations == (RUN_TICKS / g_tasks[2].period) - 1) break; // the last slow release
    }
    const u64 missed = g_tasks[0].missed + g_tasks[1].missed + g_tasks[2].missed;
    kit::print("rtos: after %llu ticks: fast %llu, mid %llu, slow %llu activations, %llu deadlines missed\n",
               static_cast<unsigned long long>(rtos::ticks()), static_cast<unsigned long long>(g_tasks[0].activations),
               static_cast<unsigned long long>(g_tasks[1].activations),
               static_cast<unsigned long long>(g_tasks[2].activations), static_cast<unsigned long long>(missed));
    kit::print("rtos: worst timer-interrupt latency %llu ns, worst task start %llu ticks late\n",
               static_cast<unsigned long long>(rtos::worst_tick_latency_ns()),
               static_cast<unsigned long long>(worst_lateness));
    // A miss is reported, not fatal: under a loaded emulator the host, not
    // the partition, can be late (system.rtos_periodic_tasks runs under
    // -icount and asserts none).
    kit::exit(0);
}

} // namespace

int main() {
    rtos::init();
    rtos::create("fast", 5, periodic, 0);
    rtos::create("mid", 4, periodic, 1);
    rtos::create("slow", 3, periodic, 2);
    rtos::create("monitor", 2, monitor, 0);
    kit::print("rtos: 5 threads (fast 2 ms, mid 5 ms, slow 10 ms, monitor, idle), 1 ms tick; ready\n");
    rtos::start();
}

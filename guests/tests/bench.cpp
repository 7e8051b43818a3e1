// bench.cpp — the benchmark guest: path lengths counted in executed instructions.
//
// Under QEMU -icount shift=0 every instruction takes one virtual nanosecond
// and the PMU cycle counter counts virtual nanoseconds (QEMU's CPU runs at a
// nominal 1 GHz), so PMCCNTR_EL0 counts instructions exactly. The guest
// counts EL2 too (PMCCFILTR_EL0.NSH), so a round trip includes the
// hypervisor's side. Each figure is printed as "BENCH <name> <total> <count>";
// the host tool (tools/bench) divides. The same binary runs under Tessera and
// with no hypervisor at all (QEMU starting it at EL1), printing through the
// PL011 in both cases.
#include "gic.hpp"
#include "kit.hpp"

using tessera::u32;
using tessera::u64;

namespace {

#ifdef BENCH_TRACE
// guest_bench_trace (scripts/bench_breakdown.py): each path a few times, in
// a function of its own that the trace's windows are attributed to; no workload.
constexpr u64 ITERATIONS = 64;
#define TRACED [[gnu::noinline]]
#else
constexpr u64 ITERATIONS = 4096;
#define TRACED
#endif
constexpr u32 VTIMER = 27;
constexpr u64 GICD_TYPER = 0x0800'0004;
constexpr u64 SHOTS = 64;

constexpr u32 SELF_SGI = 1;

volatile u64 g_irq_at = 0; // cycle counter at handler entry
volatile u64 g_irq_count = 0;
volatile u64 g_sgi_at = 0;
volatile u64 g_sgi_count = 0;

u64 cycles() {
    u64 v;
    asm volatile("isb; mrs %0, pmccntr_el0" : "=r"(v)::"memory");
    return v;
}

/// Starts the cycle counter, counting at EL1, EL0 and (if present) EL2.
void start_cycle_counter() {
    asm volatile("msr pmccfiltr_el0, %0" ::"r"(1ull << 27));  // NSH: count EL2
    asm volatile("msr pmcr_el0, %0" ::"r"(1ull | 1ull << 2)); // E, reset cycle counter
    asm volatile("msr pmcntenset_el0, %0; isb" ::"r"(1ull << 31));
}

void report(const char* name, u64 total, u64 count) {
    kit::print("BENCH %s %llu %llu\n", name, static_cast<unsigned long long>(total),
               static_cast<unsigned long long>(count));
}

/// Interrupt entry: the first thing the C++ handler does is read the counter.
bool on_irq(kit::ExceptionFrame&, u64 kind) {
    const u64 t = cycles();
    if (kind != 1) return false;
    const u32 id = kit::gic::ack();
    if (id == VTIMER) {
        g_irq_at = t;
        g_irq_count = g_irq_count + 1;
        asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(0ull));
    }
    if (id == SELF_SGI) {
        g_sgi_at = t;
        g_sgi_count = g_sgi_count + 1;
    }
    if (id < 1020) kit::gic::end(id);
    return true;
}

u64 empty_loop() {
    const u64 t0 = cycles();
    for (u64 i = 0; i < ITERATIONS; ++i) asm volatile("" ::: "memory");
    return cycles() - t0;
}

#ifndef BENCH_TRACE
/// A fixed compute-and-memory workload: a 4 MiB working set (more pages
/// than a TLB holds, so address translation shows), scattered and hashed.
u64 workload() {
    constexpr u64 WORDS = 1u << 19;
    static u64 data[WORDS];
    u64 h = 1469598103934665603ull;
    for (u64 round = 0; round < 24; ++round) {
        for (u64 i = 0; i < WORDS; ++i) {
            data[(i * 7919) & (WORDS - 1)] ^= h + i;
            h = (h ^ data[i]) * 1099511628211ull;
        }
    }
    return h;
}
#endif

/// 1. Null hypercall: PSCI_VERSION, answered without touching any state.
TRACED void path_null_hvc(u64 loop) {
    const u64 t0 = cycles();
    for (u64 i = 0; i < ITERATIONS; ++i) kit::hvc(tessera::abi::PSCI_VERSION);
    report("null_hvc", cycles() - t0 - loop, ITERATIONS);
}

/// 2. Trapped MMIO: a read of the (emulated) GIC distributor's TYPER.
TRACED void path_mmio_read(u64 loop) {
    const u64 t0 = cycles();
    for (u64 i = 0; i < ITERATIONS; ++i) (void)*reinterpret_cast<volatile u32*>(GICD_TYPER);
    report("mmio_read", cycles() - t0 - loop, ITERATIONS);
}

/// 3. Virtual timer interrupt latency: the timer is armed already expired,
///    so it fires at the instruction that enables it; counted from just
///    before that instruction to the handler's first.
TRACED void path_irq_latency() {
    u64 latency = 0;
    for (u64 i = 0; i < SHOTS; ++i) {
        const u64 before = g_irq_count;
        asm volatile("msr cntv_cval_el0, xzr" ::: "memory");
        const u64 armed = cycles();
        asm volatile("msr cntv_ctl_el0, %0" ::"r"(1ull) : "memory");
        while (g_irq_count == before) asm volatile("wfi");
        latency += g_irq_at - armed;
    }
    report("irq_latency", latency, g_irq_count);
}

/// 4. Self-IPI: an SGI to itself (ICC_SGI1R_EL1: INTID 1, target list
///    {aff0 0}, the only vCPU), from just before the write to the handler's
///    first instruction.
TRACED void path_self_ipi() {
    u64 sgi = 0;
    for (u64 i = 0; i < SHOTS; ++i) {
        const u64 before = g_sgi_count;
        const u64 sent = cycles();
        asm volatile("msr icc_sgi1r_el1, %0" ::"r"(u64{SELF_SGI} << 24 | 1) : "memory");
        while (g_sgi_count == before) asm volatile("wfi");
        sgi += g_sgi_at - sent;
    }
    report("self_ipi", sgi, g_sgi_count);
}

/// The paths are over: what follows (its report, the power-off) counts for none.
TRACED void path_end() { asm volatile("" ::: "memory"); }

} // namespace

int main() {
    u64 first; // as early as main gets: nanoseconds since reset, all cores
    asm volatile("mrs %0, cntvct_el0" : "=r"(first));
    kit::use_uart_console();
    const u64 freq = kit::counter_frequency();
    report("boot_to_guest", first * (1'000'000'000 / freq), 1);
    start_cycle_counter();

    const u64 loop = empty_loop();
    report("loop_overhead", loop, ITERATIONS);
    path_null_hvc(loop);
    path_mmio_read(loop);
    kit::set_exception_handler(on_irq);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(VTIMER, 0);
    kit::gic::enable(SELF_SGI, 0);
    kit::gic::irq_on();
    path_irq_latency();
    path_self_ipi();
    kit::gic::irq_off();
    path_end();

#ifndef BENCH_TRACE
    // 5. Guest CPU work: the same workload everywhere (cycles here are
    //    instructions under -icount and nanoseconds of wall time without).
    const u64 t0 = cycles();
    const u64 h = workload();
    report("workload", cycles() - t0, 1);
    kit::print("workload hash %#llx\n", static_cast<unsigned long long>(h));
#endif
    kit::print("BENCH done 0 1\n");
    kit::poweroff();
}

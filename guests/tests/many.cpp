// many.cpp — every vCPU of a big VM (three of them, 256 vCPUs on one core in the test) makes progress and reports it.
//
// The workers spin without ever sleeping until vCPU 0 says go, so only the
// hypervisor's time slices let the others run; then each works, and they
// report one after the other, waiting their turn with WFE (which gives the
// core away).
#include "kit.hpp"

using tessera::u64;

namespace {

constexpr unsigned MAX = 256;
constexpr u64 WORK = 20'000;

volatile u64 g_go = 0;
volatile u64 g_started = 0;
volatile u64 g_work[MAX];
volatile u64 g_turn = 1;

void wait_turn(u64 k) {
    while (g_turn != k) asm volatile("wfe");
}

void worker(u64 k) {
    __atomic_fetch_add(&g_started, 1, __ATOMIC_SEQ_CST);
    while (g_go == 0) { // a plain spin: no WFI, no WFE
    }
    for (u64 i = 0; i < WORK; ++i) g_work[k] = g_work[k] + 1;
    wait_turn(k);
    kit::print("vcpu %llu: %llu units of work\n", static_cast<unsigned long long>(k),
               static_cast<unsigned long long>(g_work[k]));
    g_turn = k + 1;
    asm volatile("dsb ish; sev" ::: "memory");
}

} // namespace

int main() {
    const kit::VmInfo me = kit::vm_info();
    const unsigned n = static_cast<unsigned>(me.vcpu_count);
    kit::check(n >= 2 && n <= MAX, "between 2 and 256 vCPUs");
    for (unsigned k = 1; k < n; ++k) kit::check(kit::start_cpu(k, worker, k) == 0, "CPU_ON succeeds");
    while (g_started != n - 1) asm volatile("wfe");
    kit::print("%u vCPUs started\n", n);
    g_go = 1;
    wait_turn(n);
    u64 total = 0;
    for (unsigned k = 1; k < n; ++k) total += g_work[k];
    kit::check(total == (n - 1) * WORK, "every vCPU did all its work");
    kit::print("all %u vCPUs made progress\n", n);
    kit::pass();
}

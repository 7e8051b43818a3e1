// chatter.cpp — two vCPUs on two cores print long lines at the same time: each row of the console must stay whole.
//
// Every line is longer than one CONSOLE_WRITE hypercall carries (40 bytes),
// so the hypervisor receives both vCPUs' lines in interleaved pieces; it must
// still show each line whole, on a row of its own.
#include "kit.hpp"

namespace {

constexpr unsigned LINES = 50;
unsigned g_ready = 0;
unsigned g_done = 0;

void chatter(unsigned vcpu) {
    // Both start printing at the same moment.
    __atomic_fetch_add(&g_ready, 1u, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&g_ready, __ATOMIC_ACQUIRE) < 2) asm volatile("yield");
    for (unsigned i = 0; i < LINES; ++i) {
        kit::print("vcpu %u: the quick brown fox jumps over the lazy dog, 0123456789 abcdefghij, end\n", vcpu);
    }
    __atomic_fetch_add(&g_done, 1u, __ATOMIC_RELEASE);
}

void cpu1_main(kit::u64) { chatter(1); }

} // namespace

int main() {
    kit::check(kit::start_cpu(1, cpu1_main, 0) == 0, "vCPU 1 starts");
    chatter(0);
    while (__atomic_load_n(&g_done, __ATOMIC_ACQUIRE) < 2) asm volatile("yield");
    kit::pass();
}

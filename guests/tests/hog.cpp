// hog.cpp — a misbehaving partition: spins with its interrupts masked, long enough to outlast any test.
#include "kit.hpp"

using tessera::u64;

int main() {
    u64 freq;
    u64 start;
    asm volatile("mrs %0, cntfrq_el0; mrs %1, cntvct_el0" : "=r"(freq), "=r"(start));
    kit::print("spinning with interrupts masked\n");
    asm volatile("msr daifset, #0xf" ::: "memory");
    // Half a second of counter time: beyond the periodic partition's 350 ms.
    for (u64 now = start; now - start < freq / 2;) asm volatile("isb; mrs %0, cntvct_el0" : "=r"(now));
    asm volatile("msr daifclr, #0xf" ::: "memory");
    kit::print("done spinning\n");
    return 0;
}

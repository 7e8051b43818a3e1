// hog.cpp — a misbehaving partition: spins with its interrupts masked, long enough to outlast any test.
#include "kit.hpp"

using tessera::u64;

int main() {
    const u64 freq = kit::counter_frequency();
    const u64 start = kit::counter();
    kit::print("spinning with interrupts masked\n");
    asm volatile("msr daifset, #0xf" ::: "memory");
    // Half a second of counter time: beyond the periodic partition's 350 ms.
    while (kit::counter() - start < freq / 2) {}
    asm volatile("msr daifclr, #0xf" ::: "memory");
    kit::print("done spinning\n");
    return 0;
}

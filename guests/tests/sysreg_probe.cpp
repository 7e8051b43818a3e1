// sysreg_probe.cpp — uses a register Tessera traps but does not emulate (ACTLR_EL1, implementation defined): each
// access must be an undefined instruction, once, not a hang.
#include "kit.hpp"

int main() {
    kit::count_undefined_instructions();
    kit::u64 v = 0;
    asm volatile("mrs %0, actlr_el1" : "=r"(v)::"memory");
    asm volatile("msr actlr_el1, %0" ::"r"(v) : "memory");
    const unsigned undefined = kit::undefined_instructions();
    kit::print("ACTLR_EL1: %u undefined instructions\n", undefined);
    kit::check(undefined == 2, "each unemulated access is an undefined instruction");
    kit::pass();
}

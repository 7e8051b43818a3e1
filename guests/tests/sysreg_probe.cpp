// sysreg_probe.cpp — uses a register Tessera traps but does not emulate (ACTLR_EL1, implementation defined): each
// access must be an undefined instruction, once, not a hang.
#include "kit.hpp"

namespace {

unsigned g_undefined = 0; // (counted by the exception handler, read after)

/// Undefined instruction (EC 0): count it and step over the MRS.
bool on_exception(kit::ExceptionFrame& f, kit::u64) {
    if ((f.esr >> 26) != 0) return false;
    g_undefined = g_undefined + 1;
    f.elr += 4;
    return true;
}

} // namespace

int main() {
    kit::set_exception_handler(on_exception);
    kit::u64 v = 0;
    asm volatile("mrs %0, actlr_el1" : "=r"(v)::"memory"); // (the handler counts in memory)
    asm volatile("msr actlr_el1, %0" ::"r"(v) : "memory");
    kit::print("ACTLR_EL1: %u undefined instructions\n", g_undefined);
    kit::check(g_undefined == 2, "each unemulated access is an undefined instruction");
    kit::pass();
}

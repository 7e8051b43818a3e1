// intruder_unhandled.cpp — a guest with no usable exception vector touches foreign memory; it must be stopped.
#include "kit.hpp"

int main() {
    kit::print("pointing VBAR_EL1 outside my memory, then reading foreign memory\n");
    asm volatile("msr vbar_el1, %0; isb" ::"r"(0x4040'0000ull));
    const tessera::u64 v = *reinterpret_cast<volatile tessera::u64*>(0x4060'0000ull);
    kit::print("FAIL: still running after the abort (read %#llx)\n", static_cast<unsigned long long>(v));
    return 1;
}

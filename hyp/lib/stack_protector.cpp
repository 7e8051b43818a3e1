// stack_protector.cpp — support for code built with -fstack-protector (Debian's libfdt is).
#include "arch.hpp"

extern "C" {
// A fixed canary: the image is ROM-able and has no entropy this early.
// It still catches linear overflows of a libfdt stack buffer.
uintptr_t __stack_chk_guard = 0x5e55e7a0c0ffee42ull;

[[noreturn]] void __stack_chk_fail() { tessera::arch::panic("stack smashing detected"); }
}

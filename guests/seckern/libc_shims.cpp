// libc_shims.cpp — what Debian's BearSSL (built for a hosted system) expects of the C library beyond string.cpp:
// the stack protector's canary and failure, and the checked memcpy and memset of _FORTIFY_SOURCE.
#include <stddef.h>
#include <stdint.h>

#include "kit.hpp"
#include "string.hpp"

extern "C" {
// A fixed canary: still catches linear overflows of a stack buffer.
uintptr_t __stack_chk_guard = 0x5ec0'4e41'c0ff'ee17ull;

[[noreturn]] void __stack_chk_fail() {
    kit::check(false, "no stack smashing");
    for (;;) {}
}

void* __memcpy_chk(void* dst, const void* src, size_t n, size_t dst_size) {
    kit::check(n <= dst_size, "a checked memcpy fits its destination");
    return memcpy(dst, src, n);
}

void* __memset_chk(void* dst, int c, size_t n, size_t dst_size) {
    kit::check(n <= dst_size, "a checked memset fits its destination");
    return memset(dst, c, n);
}
}

// fortify.cpp — the checked memcpy and memset that code built with _FORTIFY_SOURCE calls (Debian's BearSSL is).
#include <stddef.h>

#include "arch.hpp"
#include "string.hpp"

extern "C" void* __memcpy_chk(void* dst, const void* src, size_t n, size_t dst_size) {
    if (n > dst_size) tessera::arch::panic("memcpy of %zu bytes into a %zu-byte object", n, dst_size);
    return memcpy(dst, src, n);
}

extern "C" void* __memset_chk(void* dst, int c, size_t n, size_t dst_size) {
    if (n > dst_size) tessera::arch::panic("memset of %zu bytes into a %zu-byte object", n, dst_size);
    return memset(dst, c, n);
}

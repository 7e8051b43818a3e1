// string.cpp — the C library functions a freestanding image needs (for our code and libfdt); memcpy has its own
// file (memcpy.cpp).
#include "string.hpp"

#include "types.hpp"

extern "C" {

void* memmove(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    if (d < s || d >= s + n) {
        while (n-- > 0) *d++ = *s++;
    } else {
        while (n-- > 0) d[n] = s[n];
    }
    return dst;
}

void* memset(void* dst, int c, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    if (c == 0 && (reinterpret_cast<uintptr_t>(d) & 7) == 0) {
        for (; n >= 8; n -= 8, d += 8) *reinterpret_cast<uint64_t*>(d) = 0;
    }
    while (n-- > 0) *d++ = static_cast<unsigned char>(c);
    return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
    const auto* x = static_cast<const unsigned char*>(a);
    const auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

void* memchr(const void* s, int c, size_t n) {
    const auto* p = static_cast<const unsigned char*>(s);
    for (size_t i = 0; i < n; ++i) {
        if (p[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(p + i);
    }
    return nullptr;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n] != '\0') ++n;
    return n;
}

size_t strnlen(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n] != '\0') ++n;
    return n;
}

char* strchr(const char* s, int c) {
    for (;; ++s) {
        if (*s == static_cast<char>(c)) return const_cast<char*>(s);
        if (*s == '\0') return nullptr;
    }
}

char* strrchr(const char* s, int c) {
    const char* last = nullptr;
    for (;; ++s) {
        if (*s == static_cast<char>(c)) last = s;
        if (*s == '\0') return const_cast<char*>(last);
    }
}

int strcmp(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

} // extern "C"

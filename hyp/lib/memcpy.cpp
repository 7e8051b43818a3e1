// memcpy.cpp — memcpy for the freestanding image: word copies whatever the alignment (frames, guest images).
#include "string.hpp"

#include "types.hpp"

extern "C" {

/// Copies word by word whatever the two addresses' alignment: the
/// destination is aligned first; a source that is not aligned with it is read
/// in aligned words, each output word shifted together from two of them.
/// (The image is built with -mstrict-align, and memcpy runs before the MMU is
/// on: no unaligned access. An aligned word that holds a byte to copy is
/// always readable.) The virtio-net link copies every frame with this.
#if defined(__clang__) // (the analysis tools parse this with clang, which has no such attribute)
#define NO_LOOP_PATTERNS
#else
#define NO_LOOP_PATTERNS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
NO_LOOP_PATTERNS void* memcpy(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    for (; n != 0 && (reinterpret_cast<uintptr_t>(d) & 7) != 0; --n) *d++ = *s++;
    auto* dw = reinterpret_cast<uint64_t*>(d);
    const unsigned shift = 8 * (reinterpret_cast<uintptr_t>(s) & 7);
    if (shift == 0) {
        const auto* sw = reinterpret_cast<const uint64_t*>(s);
        for (; n >= 32; n -= 32, dw += 4, sw += 4) {
            const uint64_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
            dw[0] = a;
            dw[1] = b;
            dw[2] = c;
            dw[3] = e;
        }
        for (; n >= 8; n -= 8) *dw++ = *sw++;
        s = reinterpret_cast<const unsigned char*>(sw);
    } else if (n >= 8) {
        const auto* sw = reinterpret_cast<const uint64_t*>(reinterpret_cast<uintptr_t>(s) & ~uintptr_t{7});
        uint64_t lo = *sw++;
        // Each output word needs the next aligned source word, which holds
        // at least one of the bytes it copies (shift != 0).
        for (; n >= 8; n -= 8, s += 8) {
            const uint64_t hi = *sw++;
            *dw++ = (lo >> shift) | (hi << (64 - shift));
            lo = hi;
        }
    }
    d = reinterpret_cast<unsigned char*>(dw);
    while (n-- > 0) *d++ = *s++;
    return dst;
}

} // extern "C"

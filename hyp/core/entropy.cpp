// entropy.cpp — fresh random bytes for guests: ChaCha20's key stream (BearSSL) under a never-repeated nonce.
#include "entropy.hpp"

#include "boot_only.hpp"

#include <atomic>

#include "arch.hpp"

extern "C" {
#include <bearssl.h> // (and, through it, <string.h>)
}

namespace tessera {

namespace {

u8 g_key[32] = {};
constinit bool g_seeded = false;
constinit std::atomic<u64> g_draws{0}; ///< the nonce of the next draw: no two draws share one

} // namespace

namespace detail {
TESSERA_BOOT_ONLY void entropy_set_key(const u8 (&key)[32], bool seeded) {
    memcpy(g_key, key, sizeof g_key);
    g_seeded = seeded;
    g_draws.store(0, std::memory_order_relaxed); // (a new key: nonces start again)
}
} // namespace detail

bool entropy_seeded() { return g_seeded; }

void entropy_fill(u8* out, usize len) {
    u64 buf[32] = {};
    const usize n = len < sizeof buf ? len : sizeof buf;
    for (u64& w : buf) {
        if (!arch::hardware_random(w)) break; // (zeros: the key stream alone)
    }
    const u64 draw = g_draws.fetch_add(1, std::memory_order_relaxed);
    u8 nonce[12] = {};
    memcpy(nonce, &draw, sizeof draw);
    arch::with_fp_borrowed([&] { br_chacha20_ct_run(g_key, nonce, 0, buf, n); });
    memcpy(out, buf, n);
}

} // namespace tessera

// entropy.hpp — the random seeds guests are given, drawn from the board's own entropy with BearSSL.
//
// On bare metal a loader hands the kernel a seed (/chosen/rng-seed) so that
// its random number generator is ready from the first instruction; without
// one, Linux's CRNG never initializes under Tessera and every system call
// pays for it. At boot, an HMAC-DRBG (SHA-256) instantiated from what the
// board gives — the firmware's /chosen/rng-seed, the core's RNDR where it has
// one, the counter — makes one secret ChaCha20 key; every seed after that is
// ChaCha20's key stream under a nonce never used before (a draw counter),
// XORed with fresh RNDR output where the core has it. So a VM gets a seed of
// its own at each of its boots and restarts, and the resident image carries
// ChaCha20 only: SHA-256 and the DRBG are boot-only code.
#pragma once

#include "types.hpp"
#include "vplatform.hpp"

namespace tessera {

/// Bytes of a VM's seed (/chosen/rng-seed in its device tree).
inline constexpr usize VM_SEED_BYTES = vplat::RNG_SEED_BYTES;

/// Makes the key from `board_seed` (`len` bytes, may be 0), the core's random
/// number instruction and the counter. Once, at boot (entropy_seed.cpp).
void entropy_init(const u8* board_seed, usize len);

/// Whether entropy_init found anything better than the counter to seed from.
[[nodiscard]] bool entropy_seeded();

/// Fills `out` with `len` (at most 256) fresh random bytes (any core, any time).
void entropy_fill(u8* out, usize len);

namespace detail {
/// The key entropy_init made (set once, at boot).
void entropy_set_key(const u8 (&key)[32], bool seeded);
} // namespace detail

} // namespace tessera

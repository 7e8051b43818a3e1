// entropy_seed.cpp — boot-only: the board's entropy through BearSSL's HMAC-DRBG into the key every seed comes from.
#include "arch.hpp"
#include "entropy.hpp"

extern "C" {
#include <bearssl.h> // (and, through it, <string.h>)
}

namespace tessera {

void entropy_init(const u8* board_seed, usize len) {
    u64 hw[4] = {};
    unsigned words = 0;
    for (unsigned i = 0; i < 4; ++i) words += arch::hardware_random(hw[words]) ? 1 : 0;
    // The counter only makes two boots differ; the firmware's seed and RNDR
    // carry the entropy.
    const u64 now = arch::now_ticks();
    u8 key[32];
    arch::with_fp_borrowed([&] {
        br_hmac_drbg_context drbg;
        br_hmac_drbg_init(&drbg, &br_sha256_vtable, &now, sizeof now);
        if (len != 0) br_hmac_drbg_update(&drbg, board_seed, len);
        if (words != 0) br_hmac_drbg_update(&drbg, hw, words * sizeof(u64));
        br_hmac_drbg_generate(&drbg, key, sizeof key);
        memset(&drbg, 0, sizeof drbg);
    });
    detail::entropy_set_key(key, len != 0 || words != 0);
    memset(key, 0, sizeof key);
}

} // namespace tessera

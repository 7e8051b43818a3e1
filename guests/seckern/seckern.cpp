// seckern.cpp — the security kernel partition: a sealed signing key no other VM can map, and a service for Linux.
//
// At boot it draws entropy from the hypervisor (SMCCC TRNG), makes an ECDSA
// P-256 key pair with BearSSL and keeps the private key only in its own RAM,
// asks the hypervisor to audit every other VM's stage-2 tables (no mapping
// may reach its RAM), checks the key is intact, and reports ready. Then it
// serves its channel 0 — a virtio-console channel, whose other end is a
// Linux VM's /dev/hvc0 — one request line at a time (docs/linux-guests.md):
//
//   pubkey          -> pub <65-byte uncompressed point, hex>
//   sign TEXT       -> sig <r || s, 64 bytes, hex>   (ECDSA P-256 over SHA-256(TEXT))
//   random N        -> rnd <N bytes, hex>            (1 <= N <= 64)
//   attest NONCE    -> att <anchored 0|1> <security version> <manifest SHA-256, hex> <signature, hex>
//                      (ECDSA P-256 over SHA-256("tessera-attestation-1" || manifest SHA-256 ||
//                      version, 4 bytes LE || anchored, 1 byte || NONCE): what the hypervisor's secured boot
//                      verified, from its measured-boot record, TESSERA_MEASUREMENT)
//
// It wakes on the channel's doorbell and every 100 ms (to check the key),
// and ends when its client VM has ended. Without a channel it checks the key
// for 3 s and ends.
#include <bearssl.h>

#include "channel.hpp"
#include "gic.hpp"
#include "kit.hpp"

using tessera::u32;
using tessera::u64;
using tessera::u8;

namespace {

// The key pair. The private key lives in this VM's RAM and nowhere else.
constinit u8 g_secret[BR_EC_KBUF_PRIV_MAX_SIZE];
constinit u8 g_public[BR_EC_KBUF_PUB_MAX_SIZE];
br_ec_private_key g_sk;
br_ec_public_key g_pk;
br_hmac_drbg_context g_rng; // random bytes for requests, reseeded from the hypervisor's entropy

/// `n` bytes (a multiple of 8, at most 24 per call) of the hypervisor's entropy, through SMCCC TRNG.
void trng(u8* out, unsigned n) {
    const kit::CallResult r = kit::hvc(tessera::abi::TRNG_RND64, u64{8} * n);
    kit::check(static_cast<long>(r.x0) == 0, "the hypervisor gives entropy (SMCCC TRNG)");
    const u64 words[3] = {r.x3, r.x2, r.x1};
    memcpy(out, words, n);
}

void make_key() {
    u8 seed[48];
    trng(seed, 24);
    trng(seed + 24, 24);
    br_hmac_drbg_init(&g_rng, &br_sha256_vtable, seed, sizeof seed);
    const br_ec_impl* ec = &br_ec_p256_m31;
    kit::check(br_ec_keygen(&g_rng.vtable, ec, &g_sk, g_secret, BR_EC_secp256r1) != 0, "a P-256 key pair");
    kit::check(br_ec_compute_pub(ec, &g_pk, g_public, &g_sk) != 0, "its public half");
    memset(seed, 0, sizeof seed);
}

u64 fingerprint() {
    u64 h = 1469598103934665603ull;
    for (u8 b : g_secret) h = (h ^ b) * 1099511628211ull;
    return h;
}

/// Appends `n` bytes of `p` in hex to `out` at `at`.
u32 hex(char* out, u32 at, const u8* p, u32 n) {
    static const char digits[] = "0123456789abcdef";
    for (u32 i = 0; i < n; ++i) {
        out[at++] = digits[p[i] >> 4];
        out[at++] = digits[p[i] & 15];
    }
    return at;
}

/// Answers one request line (`len` bytes, without its newline) into `out`; the answer's length.
u32 answer(const char* line, u32 len, char* out) {
    auto starts = [&](const char* word) {
        const u32 n = static_cast<u32>(strlen(word));
        return len >= n && memcmp(line, word, n) == 0;
    };
    auto text = [&](const char* s) { // (the answer is a line: no terminating NUL)
        u32 n = 0;
        for (; s[n] != 0; ++n) out[n] = s[n];
        return n;
    };
    u32 at = 0;
    if (len == 6 && starts("pubkey")) {
        at = text("pub ");
        at = hex(out, at, g_pk.q, static_cast<u32>(g_pk.qlen));
    } else if (starts("sign ")) {
        u8 digest[32];
        br_sha256_context h;
        br_sha256_init(&h);
        br_sha256_update(&h, line + 5, len - 5);
        br_sha256_out(&h, digest);
        u8 sig[64];
        const size_t n = br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable, digest, &g_sk, sig);
        if (n != sizeof sig) return text("err signing failed");
        at = text("sig ");
        at = hex(out, at, sig, sizeof sig);
    } else if (starts("random ")) {
        u32 n = 0;
        for (u32 i = 7; i < len && n <= 64; ++i) {
            if (line[i] < '0' || line[i] > '9') return text("err random N: N is a number from 1 to 64");
            n = n * 10 + static_cast<u32>(line[i] - '0');
        }
        if (n == 0 || n > 64) return text("err random N: N is a number from 1 to 64");
        u8 fresh[24];
        trng(fresh, sizeof fresh);
        br_hmac_drbg_update(&g_rng, fresh, sizeof fresh);
        u8 bytes[64];
        br_hmac_drbg_generate(&g_rng, bytes, n);
        at = text("rnd ");
        at = hex(out, at, bytes, n);
    } else if (starts("attest ")) {
        const kit::WideResult m = kit::hvc_wide(tessera::abi::TESSERA_MEASUREMENT, tessera::abi::MEASUREMENT_SUMMARY);
        if (static_cast<long>(m.x[0]) != 0) return text("err the boot was not measured (the image is not signed)");
        const u64* regs = m.x;
        u8 manifest[32];
        for (unsigned w = 0; w < 4; ++w) {
            for (unsigned b = 0; b < 8; ++b) manifest[8 * w + b] = static_cast<u8>(regs[1 + w] >> (8 * b));
        }
        const u32 version = static_cast<u32>(regs[5]);
        const u8 anchored = regs[7] == 1 ? 1 : 0;
        u8 le[4] = {static_cast<u8>(version), static_cast<u8>(version >> 8), static_cast<u8>(version >> 16),
                    static_cast<u8>(version >> 24)};
        static const char context[] = "tessera-attestation-1";
        u8 digest[32];
        br_sha256_context h;
        br_sha256_init(&h);
        br_sha256_update(&h, context, sizeof context - 1);
        br_sha256_update(&h, manifest, sizeof manifest);
        br_sha256_update(&h, le, sizeof le);
        br_sha256_update(&h, &anchored, 1);
        br_sha256_update(&h, line + 7, len - 7);
        br_sha256_out(&h, digest);
        u8 sig[64];
        if (br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable, digest, &g_sk, sig) != sizeof sig)
            return text("err signing failed");
        at = text("att ");
        out[at++] = static_cast<char>('0' + anchored);
        out[at++] = ' ';
        char num[12];
        u32 n = 0;
        u32 v = version;
        do {
            num[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (n != 0) out[at++] = num[--n];
        out[at++] = ' ';
        at = hex(out, at, manifest, sizeof manifest);
        out[at++] = ' ';
        at = hex(out, at, sig, sizeof sig);
    } else {
        return text("err unknown request (pubkey, sign TEXT, random N, attest NONCE)");
    }
    return at;
}

constexpr u32 VTIMER = 27;
volatile u64 g_wakes = 0;

bool on_irq(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false;
    for (u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) {
        if (id == VTIMER) asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(0ull));
        g_wakes = g_wakes + 1;
        kit::gic::end(id);
    }
    return true;
}

/// Sleeps until an interrupt after the `seen`-th (the doorbell, or 100 ms passing).
void nap(u64 freq, u64 seen) {
    asm volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(kit::counter() + freq / 10), "r"(1ull));
    while (g_wakes == seen) asm volatile("wfi");
}

/// Serves the client on `c` until its VM ends; returns the requests answered.
u32 serve(kit::Channel& c, u64 sealed, u64 freq) {
    static char line[1100];
    static char reply[1100];
    static u8 msg[4096];
    u32 have = 0, served = 0;
    for (;;) {
        const u64 seen = g_wakes; // (a doorbell from now on ends the nap below)
        for (u32 n; (n = kit::channel_receive(c, msg, sizeof msg)) != kit::CHANNEL_EMPTY;) {
            kit::check(n != kit::CHANNEL_BROKEN, "the channel's ring makes sense");
            for (u32 i = 0; i < n; ++i) {
                if (msg[i] == '\r') continue;
                if (msg[i] != '\n') {
                    if (have < sizeof line) line[have++] = static_cast<char>(msg[i]);
                    continue;
                }
                u32 len = have <= 1024 ? answer(line, have, reply) : 0;
                if (have > 1024) {
                    static const char too_long[] = "err request over 1024 bytes";
                    memcpy(reply, too_long, sizeof too_long - 1);
                    len = sizeof too_long - 1;
                }
                reply[len++] = '\n';
                have = 0;
                ++served;
                kit::check(fingerprint() == sealed, "the key stays intact");
                while (!kit::channel_send(c, reply, len)) { // (full: the hypervisor empties it)
                    if (kit::channel_ring(c) == tessera::abi::CHANNEL_PEER_DOWN) return served;
                    nap(freq, g_wakes);
                }
            }
        }
        // A ring tells the hypervisor to carry what was sent; PEER_DOWN: the client has ended.
        if (kit::channel_ring(c) == tessera::abi::CHANNEL_PEER_DOWN) return served;
        nap(freq, seen);
        kit::check(fingerprint() == sealed, "the key stays intact");
    }
}

} // namespace

int main() {
    // BearSSL (Debian's build) uses SIMD registers: let EL1 have them.
    asm volatile("msr cpacr_el1, %0; isb" ::"r"(3ull << 20));
    make_key();
    const u64 sealed = fingerprint();
    const kit::CallResult audit = kit::hvc(tessera::abi::TESSERA_MEMORY_PRIVATE);
    kit::check(audit.x0 == 0, "the hypervisor audits memory");
    kit::print("seckern: %llu mappings of other VMs audited: %s\n", static_cast<unsigned long long>(audit.x2),
               audit.x1 == 1 ? "none reaches this VM's memory" : "SOME REACH THIS VM'S MEMORY");
    kit::check(audit.x1 == 1, "memory private to this VM");
    kit::check(fingerprint() == sealed, "the key is intact");
    char pub[2 * BR_EC_KBUF_PUB_MAX_SIZE + 1];
    pub[hex(pub, 0, g_pk.q, static_cast<u32>(g_pk.qlen))] = 0;
    kit::print("seckern: P-256 key sealed in private memory\n");
    kit::print("seckern: public key %s\n", pub);

    kit::set_exception_handler(on_irq);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(VTIMER, 0);
    kit::Channel c;
    const bool client = kit::channel_open(0, c);
    if (client) kit::gic::enable(c.doorbell, 0);
    kit::gic::irq_on();
    const u64 freq = kit::counter_frequency();
    if (client) {
        kit::print("seckern: ready, serving vm %u on channel 0\n", c.peer);
        const u32 served = serve(c, sealed, freq);
        kit::gic::irq_off();
        kit::print("seckern: its client has ended after %u request%s; key intact\n", served, served == 1 ? "" : "s");
        return 0;
    }
    kit::print("seckern: ready (no client channel)\n");
    for (unsigned i = 0; i < 30; ++i) {
        nap(freq, g_wakes);
        kit::check(fingerprint() == sealed, "the key stays intact");
    }
    kit::gic::irq_off();
    kit::print("seckern: key intact after 3 s of service\n");
    return 0;
}

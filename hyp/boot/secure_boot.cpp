// secure_boot.cpp — boot-only: verifying the signed manifest with BearSSL before the packed description is trusted.
#include "secure_boot.hpp"

#include <bearssl.h>
#include <stdarg.h>

#include <initializer_list>

#include "arch.hpp"
#include "checked_range.hpp"
#include "format.hpp"
#include "manifest.hpp"
#include "rom_key.hpp"
#include "system_image.hpp"

namespace tessera {

namespace {

using sysimg::Header;
using sysimg::ManifestHeader;
using sysimg::ManifestPart;
using sysimg::Range;
using sysimg::VmRecord;

char g_why[160]; // the refusal's text (boot is single-threaded)

__attribute__((format(printf, 1, 2))) const char* refuse(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vformat_to(g_why, sizeof g_why, fmt, ap);
    va_end(ap);
    return g_why;
}

unsigned long long ull(u64 v) { return v; }

/// SHA-256 of a part; the description's own (at offset 0) with its CRC field as 0, as `tessera build` hashed it.
void part_digest(const u8* blob, const ManifestPart& p, u8 (&out)[sysimg::SHA256_BYTES]) {
    br_sha256_context h;
    br_sha256_init(&h);
    if (p.offset == 0 && p.size >= sizeof(Header)) {
        Header copy{};
        __builtin_memcpy(&copy, blob, sizeof copy);
        copy.crc32 = 0;
        br_sha256_update(&h, &copy, sizeof copy);
        br_sha256_update(&h, blob + sizeof copy, p.size - sizeof copy);
    } else {
        br_sha256_update(&h, blob + p.offset, p.size);
    }
    br_sha256_out(&h, out);
}

/// What a blob is, for a refusal: "vm linux-a's kernel" (or "a blob" if no record names it).
void name_blob(const u8* blob, const Header& h, const ManifestPart& p, char* out, usize cap) {
    for (u32 i = 0; i < h.vm_count; ++i) {
        VmRecord r{};
        __builtin_memcpy(&r, blob + sizeof(Header) + i * sizeof r, sizeof r);
        r.name[sizeof r.name - 1] = 0;
        const struct {
            const Range& range;
            const char* what;
        } fields[] = {{r.image, r.dtb.size != 0 && (r.flags & sysimg::VM_FIRMWARE_DT) == 0 ? "kernel" : "image"},
                      {r.initrd, "initramfs"},
                      {r.dtb, "device tree"},
                      {r.cores, "core list"},
                      {r.flash, "flash contents"}};
        for (const auto& f : fields) {
            if (f.range.size != 0 && f.range.offset == p.offset) {
                format_to(out, cap, "vm %s's %s", r.name, f.what);
                return;
            }
        }
    }
    format_to(out, cap, "a blob");
}

/// Whether `r` is exactly one of the `n` parts (sorted by offset).
bool covered(const Range& r, const u8* parts, u32 n) {
    for (u32 i = 0; i < n; ++i) {
        ManifestPart p{};
        __builtin_memcpy(&p, parts + i * sizeof p, sizeof p);
        if (p.offset == r.offset && p.size == r.size) return true;
    }
    return false;
}

const char* check(const u8* blob, u64 mapped, BootVerdict& out) {
    Header h{};
    if (mapped < sizeof h) return "the description is cut short";
    __builtin_memcpy(&h, blob, sizeof h);
    if (h.manifest_size == 0) {
        if (g_rom_key_present) return "the image is not signed, and this hypervisor boots only signed images";
        return nullptr;
    }
    if (h.total_size > mapped || h.manifest_size > mapped - h.total_size) return "the manifest lies outside the image";
    if (h.manifest_size < sysimg::manifest_bytes(1)) return "the manifest is too short";
    const u8* m = blob + h.total_size;
    ManifestHeader mh{};
    __builtin_memcpy(&mh, m, sizeof mh);
    if (mh.magic != sysimg::MANIFEST_MAGIC || mh.scheme != sysimg::SIG_ECDSA_P256_SHA256)
        return "the manifest is not one this hypervisor reads";
    if (mh.part_count == 0 || mh.part_count > sysimg::MANIFEST_MAX_PARTS ||
        sysimg::manifest_bytes(mh.part_count) != h.manifest_size)
        return refuse("the manifest's part count (%u) does not match its size", mh.part_count);
    out.is_signed = true;
    out.security_version = mh.security_version;
    out.parts = mh.part_count;
    u8 key_hash[sysimg::SHA256_BYTES];
    br_sha256_context kh;
    br_sha256_init(&kh);
    br_sha256_update(&kh, mh.public_key, sizeof mh.public_key);
    br_sha256_out(&kh, key_hash);
    __builtin_memcpy(out.fingerprint, key_hash, sizeof out.fingerprint);
    if (g_rom_key_present) {
        if (__builtin_memcmp(mh.public_key, g_rom_key, sizeof g_rom_key) != 0)
            return refuse("signed by another key (fingerprint %02x%02x%02x%02x...) than this hypervisor's", key_hash[0],
                          key_hash[1], key_hash[2], key_hash[3]);
        out.anchored = true;
    }

    // The signature, over the manifest's header and parts.
    const u64 signed_bytes = sizeof mh + u64{mh.part_count} * sizeof(ManifestPart);
    u8 digest[sysimg::SHA256_BYTES];
    br_sha256_context sh;
    br_sha256_init(&sh);
    br_sha256_update(&sh, m, signed_bytes);
    br_sha256_out(&sh, digest);
    __builtin_memcpy(out.manifest_digest, digest, sizeof digest);
    out.part_records = m + sizeof mh;
    br_ec_public_key pk{BR_EC_secp256r1, mh.public_key, sizeof mh.public_key};
    if (br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, digest, sizeof digest, &pk, m + signed_bytes, sysimg::P256_SIGNATURE) !=
        1)
        return "the signature does not verify (the manifest or the signature was changed)";

    // The parts: the description's records first, then blobs in order, none
    // overlapping, all inside the description; each as its digest says.
    if (h.vm_count > (h.total_size - sizeof h) / sizeof(VmRecord)) return "more VM records than the description holds";
    const u64 records_end =
        sizeof h + u64{h.vm_count} * sizeof(VmRecord) + u64{h.channel_count} * sizeof(sysimg::ChannelRecord);
    const u8* parts = m + sizeof mh;
    u64 next_free = 0;
    for (u32 i = 0; i < mh.part_count; ++i) {
        ManifestPart p{};
        __builtin_memcpy(&p, parts + i * sizeof p, sizeof p);
        if (i == 0 && (p.offset != 0 || p.size != records_end))
            return "the manifest's first part is not the description's records";
        if (p.offset < next_free || !fits_within(p.offset, p.size, h.total_size))
            return refuse("the manifest's part %u (at %#llx, %llu bytes) overlaps another or lies outside the "
                          "description",
                          i, ull(p.offset), ull(p.size));
        next_free = p.offset + p.size;
        u8 d[sysimg::SHA256_BYTES];
        part_digest(blob, p, d);
        if (__builtin_memcmp(d, p.sha256, sizeof d) != 0) {
            if (i == 0) return "the description's records do not match their signed digest";
            char what[64];
            name_blob(blob, h, p, what, sizeof what);
            return refuse("%s (at %#llx, %llu bytes) does not match its signed digest", what, ull(p.offset),
                          ull(p.size));
        }
    }
    // Every blob a VM boots from is one of them (the records are signed, so this holds them to it).
    for (u32 i = 0; i < h.vm_count; ++i) {
        VmRecord r{};
        __builtin_memcpy(&r, blob + sizeof h + i * sizeof r, sizeof r);
        for (const Range& b : {r.image, r.initrd, r.dtb, r.cores, r.flash}) {
            if (b.size != 0 && !covered(b, parts, mh.part_count)) {
                r.name[sizeof r.name - 1] = 0;
                return refuse("vm %s boots from a blob (at %#llx) the signature does not cover", r.name, ull(b.offset));
            }
        }
    }
    return nullptr;
}

} // namespace

const char* secure_boot_check(const u8* blob, u64 mapped, BootVerdict& out) {
    const char* why = nullptr;
    // BearSSL's P-256 code uses the SIMD registers.
    arch::with_fp_borrowed([&] { why = check(blob, mapped, out); });
    return why;
}

} // namespace tessera

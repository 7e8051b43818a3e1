// packed_system.cpp — checking the packed system description and turning it into the boot-time SystemDesc.
#include "packed_system.hpp"

#include <new>

#include "arch.hpp"
#include "arch_mem.hpp"
#include "board.hpp"
#include "checked_range.hpp"
#include "layout.hpp"
#include "record_check.hpp"
#include "string.hpp"
#include "system_image.hpp"
#if defined(__aarch64__)
#include "sysreg.hpp"
#endif
#include "vplatform.hpp"

namespace tessera {

namespace {

bool range_ok(const sysimg::Range& r, u64 total) { return fits_within(r.offset, r.size, total); }

Blob blob_of(const u8* base, const sysimg::Range& r) {
    return r.size == 0 ? Blob{} : Blob{base + r.offset, base + r.offset + r.size};
}

#if defined(__aarch64__) // (the host build, for the fuzzer, has the table only)
/// ID_AA64ISAR0_EL1.CRC32 (bits 19:16): nonzero when the CRC32 instructions exist.
bool cpu_has_crc32() { return ((arch::id_aa64isar0_el1::read() >> 16) & 0xf) != 0; }

/// One CRC32B / CRC32X step. The instructions are enabled for these two
/// only (`.arch_extension`), and run only when cpu_has_crc32() says the
/// core has them; written as assembly so that any compiler takes them.
inline u32 crc32b(u32 crc, u8 byte) {
    asm(".arch_extension crc\n\tcrc32b %w0, %w0, %w1" : "+r"(crc) : "r"(static_cast<u32>(byte)));
    return crc;
}
inline u32 crc32x(u32 crc, u64 word) {
    asm(".arch_extension crc\n\tcrc32x %w0, %w0, %x1" : "+r"(crc) : "r"(word));
    return crc;
}

/// CRC-32 (IEEE, as zlib computes it) with the CPU's CRC32 instructions:
/// eight bytes an instruction where a table takes one, so a 67 MB image is
/// checked in a fraction of the time.
u32 crc32_instructions(u32 crc, const u8* data, u64 size) {
    crc = ~crc;
    // Byte steps up to an 8-byte boundary: -mstrict-align forbids the
    // unaligned doubleword loads that follow.
    while (size != 0 && (reinterpret_cast<u64>(data) & 7) != 0) {
        crc = crc32b(crc, *data++);
        --size;
    }
    for (; size >= 8; size -= 8, data += 8) {
        u64 word = 0; // one aligned load (the builtin, not the image's out-of-line memcpy)
        __builtin_memcpy(&word, __builtin_assume_aligned(data, 8), 8);
        crc = crc32x(crc, word);
    }
    while (size-- != 0) crc = crc32b(crc, *data++);
    return ~crc;
}

#endif

/// The description's CRC, by the fastest means this core has.
u32 description_crc(const u8* blob, const sysimg::Header& h) {
#if defined(__aarch64__)
    if (cpu_has_crc32()) return sysimg::blob_crc(blob, h, crc32_instructions);
#endif
    sysimg::Crc32Table table{}; // 1 KiB of the boot stack, for this check only
    sysimg::crc32_table_init(table);
    return sysimg::blob_crc(blob, h, [&table](u32 crc, const u8* data, u64 size) {
        return sysimg::crc32_by_table(table, crc, data, size);
    });
}

} // namespace

u64 packed_system_size(const void* at, u64 limit) {
    const auto* words = static_cast<const u64*>(at);
    if (words[0] != sysimg::MAGIC) return 0;
    // The description and, right after it, its signed manifest (if any):
    // header word 7 is the manifest's size (format 4).
    const u64 total = words[2];
    const u64 manifest = words[7];
    if (total >= limit || manifest >= limit - total) return limit;
    return total + manifest;
}

const char* packed_system_load(const u8* blob, u64 mapped, PageAllocator& alloc, SystemDesc& out) {
    sysimg::Header h{};
    if (mapped < sizeof h) return "truncated before its header";
    memcpy(&h, blob, sizeof h);
    if (h.magic != sysimg::MAGIC) return "no magic";
    if (h.version != sysimg::VERSION || h.header_size != sizeof h)
        return "a format version this hypervisor does not read";
    if (h.total_size > mapped || h.total_size < sizeof h) return "truncated (shorter than its header says)";
    if (description_crc(blob, h) != h.crc32) return "CRC-32 mismatch: the image is corrupt";
    if (h.vm_count == 0) return "no VMs";
    if (h.vm_count > 255) return "more than 255 VMs (8-bit VMIDs)";
    if (h.vm_count > (h.total_size - sizeof h) / sizeof(sysimg::VmRecord)) return "more VM records than fit";

    auto mem = alloc.alloc(sizeof(VmDesc) * h.vm_count);
    if (!mem.ok()) return "no memory for the VM table";
    auto* vms = static_cast<VmDesc*>(arch::phys_to_ptr(mem.value()));
    u32 per_core[TESSERA_MAX_CORES] = {}; // vCPUs each core would carry
    for (u32 i = 0; i < h.vm_count; ++i) {
        sysimg::VmRecord r{};
        memcpy(&r, blob + sizeof h + i * sizeof r, sizeof r);
        if (memchr(r.name, 0, sizeof r.name) == nullptr || r.name[0] == 0) return "a VM record without a name";
        if (!range_ok(r.image, h.total_size) || !range_ok(r.initrd, h.total_size) || !range_ok(r.dtb, h.total_size) ||
            !range_ok(r.cores, h.total_size) || !range_ok(r.flash, h.total_size)) {
            return "a VM record points outside the description";
        }
        if (r.image.size == 0 || r.ram_size == 0 || r.vcpu_count == 0 || r.cores.size != r.vcpu_count) {
            return "a VM record without image, memory or vCPUs";
        }
        if (r.devices >> board::DEVICE_COUNT != 0) return "a VM record names a device this board does not have";
        if (const char* why = check_vm_record(r); why != nullptr) return why;
        for (u16 k = 0; k < r.vcpu_count; ++k) {
            // (A core this board lacks refuses the VM alone at boot; one no
            // board of this hypervisor has, the description.)
            const u8 core = blob[r.cores.offset + k];
            if (core >= TESSERA_MAX_CORES) return "a vCPU on a core past the hypervisor's 8";
            if (++per_core[core] > MAX_VCPUS_PER_CORE) return "more than 256 vCPUs on a core";
        }
        const u8* name = blob + sizeof h + i * sizeof r; // the record's own bytes stay mapped
        new (&vms[i]) VmDesc{reinterpret_cast<const char*>(name),
                             blob_of(blob, r.image),
                             blob_of(blob, r.initrd),
                             blob_of(blob, r.dtb),
                             Ipa(r.ram_ipa),
                             r.ram_size,
                             r.vcpu_count,
                             blob + r.cores.offset,
                             r.priority,
                             r.budget_us,
                             r.period_us,
                             r.devices,
                             r.sve_vq,
                             blob_of(blob, r.flash),
                             Ipa(r.flash_ipa),
                             r.flash_size,
                             (r.flags & sysimg::VM_FIRMWARE_DT) != 0,
                             (r.flags & sysimg::VM_FLASH_WRITABLE) != 0,
                             (r.flags & sysimg::VM_MTE) != 0,
                             {r.on_failure, r.max_restarts, r.restart_window_ms, r.restart_backoff_ms, r.partner,
                              (r.flags & sysimg::VM_STANDBY) != 0},
                             (r.flags & sysimg::VM_SCRUB_EAGER) != 0};
    }
    // Failover pairs: each VM names the other, one of them the standby.
    for (u32 i = 0; i < h.vm_count; ++i) {
        const FailurePolicy& f = vms[i].failure;
        if (f.partner == 0) continue;
        if (f.partner > h.vm_count || f.partner - 1u == i) return "a failover partner that is not another VM";
        const FailurePolicy& g = vms[f.partner - 1].failure;
        if (g.partner != i + 1 || g.standby == f.standby)
            return "a failover pair whose VMs do not name each other, or without exactly one standby";
        if (f.standby && vms[i].devices != 0) return "a failover standby that owns devices (it takes its partner's)";
    }
    // Channels: after the VM records, each between two different VMs, none
    // larger than its slot, no VM in more than its doorbells allow.
    if (h.channel_count > vplat::MAX_CHANNELS) return "more channels than the channel window holds";
    const u64 channels_at = sizeof h + u64{h.vm_count} * sizeof(sysimg::VmRecord);
    if (h.channel_count > (h.total_size - channels_at) / sizeof(sysimg::ChannelRecord))
        return "more channel records than fit";
    ChannelDesc* channels = nullptr;
    if (h.channel_count != 0) {
        auto cmem = alloc.alloc(sizeof(ChannelDesc) * h.channel_count);
        if (!cmem.ok()) return "no memory for the channel table";
        channels = static_cast<ChannelDesc*>(arch::phys_to_ptr(cmem.value()));
    }
    u8 per_vm[256] = {};
    u8 virtio_per_vm[256] = {};
    for (u32 i = 0; i < h.channel_count; ++i) {
        sysimg::ChannelRecord c{};
        const u64 at = channels_at + i * sizeof c;
        memcpy(&c, blob + at, sizeof c);
        if (memchr(c.name, 0, sizeof c.name) == nullptr || c.name[0] == 0) return "a channel record without a name";
        if (c.vm[0] >= h.vm_count || c.vm[1] >= h.vm_count || c.vm[0] == c.vm[1])
            return "a channel whose endpoints are not two of the VMs";
        if (c.reserved != 0) return "a channel record with reserved bits set";
        // A failover pair's channels are raw or virtio-net, its active VM's, and hand over whole.
        for (const u16 end : c.vm) {
            const FailurePolicy& f = vms[end].failure;
            if (f.standby) return "a channel to a failover standby (it takes its partner's over)";
            if (f.partner != 0 && (c.kind == sysimg::CHANNEL_VIRTIO_CONSOLE ||
                                   f.partner - 1u == static_cast<unsigned>(c.vm[0] + c.vm[1] - end)))
                return "a failover VM's channel that is a virtio console, or that joins the pair";
        }
        if (c.kind == sysimg::CHANNEL_RAW) {
            if (c.size == 0 || c.size % PAGE_SIZE != 0 || c.size > vplat::CHANNEL_SLOT)
                return "a channel whose size is not whole pages up to 2 MiB";
        } else if (c.kind == sysimg::CHANNEL_VIRTIO_CONSOLE) {
            if (c.size < 4 * PAGE_SIZE || c.size % PAGE_SIZE != 0 || c.size > vplat::CHANNEL_SLOT)
                return "a console channel whose size is not whole pages from 16 KiB to 2 MiB";
        } else if (c.kind == sysimg::CHANNEL_VIRTIO_NET) {
            if (c.size != 0) return "a virtio channel with shared memory";
        } else {
            return "a channel of a kind this hypervisor does not have";
        }
        for (unsigned side = 0; side < 2; ++side) {
            if (sysimg::channel_memory(c.kind, side) && ++per_vm[c.vm[side]] > vplat::MAX_CHANNELS_PER_VM)
                return "a VM in more than 16 raw channels";
            if (sysimg::channel_device(c.kind, side) && ++virtio_per_vm[c.vm[side]] > vplat::MAX_VIRTIO_PER_VM)
                return "a VM with more than 8 virtio devices";
        }
        new (&channels[i]) ChannelDesc{reinterpret_cast<const char*>(blob + at), c.size, {c.vm[0], c.vm[1]}, c.kind};
    }
    out = SystemDesc{vms, static_cast<u16>(h.vm_count), channels, static_cast<u16>(h.channel_count)};
    return nullptr;
}

} // namespace tessera

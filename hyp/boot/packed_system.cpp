// packed_system.cpp — checking the packed system description and turning it into the boot-time SystemDesc.
#include "packed_system.hpp"

#include <new>

#include "arch.hpp"
#include "arch_mem.hpp"
#include "board.hpp"
#include "string.hpp"
#include "system_image.hpp"

namespace tessera {

namespace {

bool range_ok(const sysimg::Range& r, u64 total) { return r.offset <= total && r.size <= total - r.offset; }

Blob blob_of(const u8* base, const sysimg::Range& r) {
    return r.size == 0 ? Blob{} : Blob{base + r.offset, base + r.offset + r.size};
}

} // namespace

u64 packed_system_size(const void* at, u64 limit) {
    const auto* words = static_cast<const u64*>(at);
    if (words[0] != sysimg::MAGIC) return 0;
    const u64 total = words[2];
    return total < limit ? total : limit;
}

const char* packed_system_load(const u8* blob, u64 mapped, PageAllocator& alloc, SystemDesc& out) {
    sysimg::Header h;
    if (mapped < sizeof h) return "truncated before its header";
    memcpy(&h, blob, sizeof h);
    if (h.magic != sysimg::MAGIC) return "no magic";
    if (h.version != sysimg::VERSION || h.header_size != sizeof h)
        return "a format version this hypervisor does not read";
    if (h.total_size > mapped || h.total_size < sizeof h) return "truncated (shorter than its header says)";
    if (sysimg::blob_crc(blob, h) != h.crc32) return "CRC-32 mismatch: the image is corrupt";
    if (h.vm_count == 0) return "no VMs";
    if (h.vm_count > 255) return "more than 255 VMs (8-bit VMIDs)";
    if (h.vm_count > (h.total_size - sizeof h) / sizeof(sysimg::VmRecord)) return "more VM records than fit";

    auto mem = alloc.alloc(sizeof(VmDesc) * h.vm_count);
    if (!mem.ok()) return "no memory for the VM table";
    auto* vms = static_cast<VmDesc*>(arch::phys_to_ptr(mem.value()));
    for (u32 i = 0; i < h.vm_count; ++i) {
        sysimg::VmRecord r;
        memcpy(&r, blob + sizeof h + i * sizeof r, sizeof r);
        if (memchr(r.name, 0, sizeof r.name) == nullptr || r.name[0] == 0) return "a VM record without a name";
        if (!range_ok(r.image, h.total_size) || !range_ok(r.initrd, h.total_size) || !range_ok(r.dtb, h.total_size) ||
            !range_ok(r.cores, h.total_size)) {
            return "a VM record points outside the description";
        }
        if (r.image.size == 0 || r.ram_size == 0 || r.vcpu_count == 0 || r.cores.size != r.vcpu_count) {
            return "a VM record without image, memory or vCPUs";
        }
        if (r.devices >> board::DEVICE_COUNT != 0) return "a VM record names a device this board does not have";
        const u8* name = blob + sizeof h + i * sizeof r; // the record's own bytes stay mapped
        new (&vms[i]) VmDesc{reinterpret_cast<const char*>(name),
                             blob_of(blob, r.image),
                             blob_of(blob, r.initrd),
                             blob_of(blob, r.dtb),
                             r.ram_ipa,
                             r.ram_size,
                             r.vcpu_count,
                             blob + r.cores.offset,
                             r.priority,
                             r.budget_us,
                             r.period_us,
                             r.devices};
    }
    out = SystemDesc{vms, static_cast<u16>(h.vm_count)};
    return nullptr;
}

} // namespace tessera

// system_image.hpp — the packed system description `tessera build` appends to the hypervisor image.
//
// Shared by the hypervisor (which boots from it) and the host SDK (which
// writes and inspects it). Little-endian, fixed-size records, offsets from
// the start of the blob; a CRC-32 covers everything after the header.
#pragma once

#include "types.hpp"

namespace tessera::sysimg {

inline constexpr u64 MAGIC = 0x3130'5359'5353'4554ull; // "TESSYS01"
inline constexpr u32 VERSION = 1;
inline constexpr unsigned NAME_LEN = 32;
/// Where the blob starts in the image file and in memory: this far past the
/// hypervisor's own footprint (the Image header's image_size before packing),
/// rounded up.
inline constexpr u64 ALIGN = 4096;

struct Header {
    u64 magic;
    u32 version;
    u32 vm_count;
    u64 total_size;  ///< the whole blob: header, records, cores, payload
    u32 crc32;       ///< CRC-32 (IEEE) of the whole blob, this field taken as 0 (see blob_crc)
    u32 header_size; ///< sizeof(Header), for readers of later versions
    u64 hyp_size;    ///< the hypervisor's image_size before packing: where this blob starts
    u32 board_cores; ///< the board the file describes: cores (`tessera run`: -smp)
    u32 reserved;
    u64 board_memory; ///< and RAM bytes (`tessera run`: -m)
};
static_assert(sizeof(Header) == 56);

/// Offsets in the arm64 Image header of the hypervisor image.
inline constexpr u64 IMAGE_SIZE_FIELD = 16; ///< image_size: patched to cover the blob
inline constexpr u64 IMAGE_RES2_FIELD = 32; ///< res2: `tessera build` keeps the unpatched image_size here

/// A blob inside the system image: [offset, offset + size).
struct Range {
    u64 offset;
    u64 size;
};

struct VmRecord {
    char name[NAME_LEN]; ///< NUL-terminated
    Range image;         ///< bare-metal program or Linux Image
    Range initrd;        ///< size 0: none
    Range dtb;           ///< size 0: a bare-metal guest
    Range cores;         ///< u8 per vCPU: its physical core
    u64 ram_ipa;
    u64 ram_size;
    u32 budget_us;
    u32 period_us;
    u16 vcpu_count;
    u8 priority;
    u8 reserved;
    u32 devices; ///< bit i: the board's device i (board.hpp DEVICES) belongs to this VM
};
static_assert(sizeof(VmRecord) == 128);

/// CRC-32 (IEEE 802.3, reflected, as zlib computes it) of `size` bytes,
/// continuing from `crc` (0 to start).
inline u32 crc32(const u8* data, u64 size, u32 crc = 0) {
    crc = ~crc;
    for (u64 i = 0; i < size; ++i) {
        crc ^= data[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb8'8320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/// The CRC the header's crc32 field must hold: over the header (with that
/// field as 0) and everything after it, so no byte goes unchecked.
inline u32 blob_crc(const u8* blob, const Header& h) {
    Header copy = h;
    copy.crc32 = 0;
    const u32 crc = crc32(reinterpret_cast<const u8*>(&copy), sizeof copy);
    return crc32(blob + sizeof copy, h.total_size - sizeof copy, crc);
}

} // namespace tessera::sysimg

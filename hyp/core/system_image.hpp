// system_image.hpp — the packed system description `tessera build` appends to the hypervisor image.
//
// Shared by the hypervisor (which boots from it) and the host SDK (which
// writes and inspects it). Little-endian, fixed-size records, offsets from
// the start of the blob; a CRC-32 covers the whole blob, its header included.
#pragma once

#include "types.hpp"

namespace tessera::sysimg {

inline constexpr u64 MAGIC = 0x3130'5359'5353'4554ull; // "TESSYS01"
inline constexpr u32 VERSION = 5; ///< 2: VM records have a flash region and flags; 3: channels; 4: a signed manifest;
                                  ///< 5: a failure policy per VM
inline constexpr unsigned NAME_LEN = 32;
/// Where the blob starts in the image file and in memory: this far past the
/// hypervisor's own footprint (the Image header's image_size before packing),
/// rounded up.
inline constexpr u64 ALIGN = 4096;

struct Header {
    u64 magic;
    u32 version;
    u32 vm_count;
    u64 total_size;    ///< the whole blob: header, records, cores, payload
    u32 crc32;         ///< CRC-32 (IEEE) of the whole blob, this field taken as 0 (see blob_crc)
    u32 header_size;   ///< sizeof(Header), for readers of later versions
    u64 hyp_size;      ///< the hypervisor's image_size before packing: where this blob starts
    u32 board_cores;   ///< the board the file describes: cores (`tessera run`: -smp)
    u32 channel_count; ///< ChannelRecords, right after the VM records
    u64 board_memory;  ///< and RAM bytes (`tessera run`: -m)
    u64 manifest_size; ///< the signed manifest right after the blob (manifest.hpp); 0: unsigned
};
static_assert(sizeof(Header) == 64);

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
    u8 sve_vq;   ///< SVE vector length in 128-bit granules (1–16); 0: SVE hidden
    u32 devices; ///< bit i: the board's device i (board.hpp DEVICES) belongs to this VM
    Range flash; ///< the flash region's initial contents (size 0: erased)
    u64 flash_ipa;
    u64 flash_size; ///< 0: no flash region
    u32 flags;      ///< VM_FIRMWARE_DT, VM_FLASH_WRITABLE, VM_MTE, VM_STANDBY, VM_SCRUB_EAGER
    u8 on_failure;  ///< FAILURE_STOP, FAILURE_RESTART or FAILURE_FAILOVER
    u8 reserved0;
    u16 partner;            ///< FAILURE_FAILOVER: the other VM of its pair, by index + 1; else 0
    u32 max_restarts;       ///< on_failure restart: restarts allowed within restart_window_ms
    u32 restart_window_ms;  ///< (1 or more)
    u32 restart_backoff_ms; ///< delay before a window's first restart, doubled for each next one
    u32 reserved2;
};
static_assert(sizeof(VmRecord) == 184);

/// What the hypervisor does when a VM fails (a fault it cannot take, an
/// unhandled trap, a non-zero exit, its watchdog expiring).
inline constexpr u8 FAILURE_STOP = 0;    ///< it stays stopped; the others run on
inline constexpr u8 FAILURE_RESTART = 1; ///< it starts again from its images, its RAM scrubbed first
/// One of a pair: its partner takes over its channels at once, and it is
/// restarted (as FAILURE_RESTART) to wait as the pair's standby.
inline constexpr u8 FAILURE_FAILOVER = 2;
/// The longest back-off (the doubling stops there).
inline constexpr u32 MAX_BACKOFF_MS = 3'600'000;

/// A channel between two VMs: shared memory at CHANNEL_BASE + its index *
/// CHANNEL_SLOT in both, and a doorbell each way.
struct ChannelRecord {
    char name[NAME_LEN]; ///< NUL-terminated
    u64 size;            ///< raw, console: bytes of shared memory, whole pages, at most CHANNEL_SLOT; net: 0
    u16 vm[2];           ///< its endpoints, by VM index
    u32 kind;            ///< CHANNEL_RAW, CHANNEL_VIRTIO_NET or CHANNEL_VIRTIO_CONSOLE
    u64 reserved;
};
static_assert(sizeof(ChannelRecord) == 56);
inline constexpr u32 CHANNEL_RAW = 0; ///< memory and doorbells; the guests agree on what goes in it
/// A virtio-net device in each (virtio-mmio at VIRTIO_BASE + j * VIRTIO_SIZE for
/// its j-th virtio channel), frames copied by the hypervisor.
inline constexpr u32 CHANNEL_VIRTIO_NET = 1;
/// vm[0] (a Linux VM) gets a virtio-console device, vm[1] (a bare-metal
/// server) the channel's memory and doorbell as for a raw channel, as its
/// side 1; the hypervisor is side 0 and carries the console's bytes.
inline constexpr u32 CHANNEL_VIRTIO_CONSOLE = 2;

/// Whether side `side` (0: first in `between`) of a channel of `kind` gets a
/// virtio device in its VM (numbered with its other ones: VIRTIO_BASE + j *
/// VIRTIO_SIZE), and whether it gets the channel's memory and a doorbell
/// (numbered with its raw channels). The SDK's device trees, the boot's
/// checks and the hypervisor's creation of both all ask this one place.
inline constexpr bool channel_device(u32 kind, unsigned side) {
    return kind == CHANNEL_VIRTIO_NET || (kind == CHANNEL_VIRTIO_CONSOLE && side == 0);
}
inline constexpr bool channel_memory(u32 kind, unsigned side) {
    return kind == CHANNEL_RAW || (kind == CHANNEL_VIRTIO_CONSOLE && side == 1);
}

/// An image: guest given a device tree (in `dtb`) at its RAM base, x0 = it,
/// its image 2 MiB above: firmware such as U-Boot, not a Linux kernel.
inline constexpr u32 VM_FIRMWARE_DT = 1u << 0;
/// Its flash region takes writes (RAM-backed, kept across its restarts).
inline constexpr u32 VM_FLASH_WRITABLE = 1u << 1;
/// It may use MTE (tagged memory, tag checks) where the board has it.
inline constexpr u32 VM_MTE = 1u << 2;
/// The standby of a failover pair: it boots and waits; the pair's channels are its partner's.
inline constexpr u32 VM_STANDBY = 1u << 3;
/// Its RAM is scrubbed whole before each run starts, not 2 MiB at a time on
/// first touch: no first-touch delays once it runs (a real-time VM).
inline constexpr u32 VM_SCRUB_EAGER = 1u << 4;

/// The 256 entries of a table-driven CRC-32 (IEEE 802.3, reflected: the
/// polynomial zlib's crc32() and the Arm CRC32 instructions use).
struct Crc32Table {
    u32 entry[256];
};

/// Fills `t`. Computed at run time, not a constant: the EL2 image needs it
/// only on a core without CRC32 instructions, so it costs no resident rodata.
inline void crc32_table_init(Crc32Table& t) {
    for (u32 i = 0; i < 256; ++i) {
        u32 c = i;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb8'8320u & (0u - (c & 1u)));
        t.entry[i] = c;
    }
}

/// CRC-32 of `size` bytes continuing from `crc` (0 to start), one table
/// look-up per byte: the fallback where neither zlib (the host SDK) nor the
/// CPU's CRC32 instructions (EL2, when ID_AA64ISAR0_EL1 has them) are at hand.
inline u32 crc32_by_table(const Crc32Table& t, u32 crc, const u8* data, u64 size) {
    crc = ~crc;
    for (u64 i = 0; i < size; ++i) crc = t.entry[(crc ^ data[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/// The CRC the header's crc32 field must hold: over the header (with that
/// field as 0) and everything after it, so no byte goes unchecked. `crc32`
/// is `u32(u32 crc, const u8* data, u64 size)`, the CRC-32 (IEEE) of `data`
/// continuing from `crc`, as zlib's crc32() computes it: each side brings its
/// fastest (zlib on the host, the CPU's instructions at EL2).
template <typename Crc32> u32 blob_crc(const u8* blob, const Header& h, Crc32 crc32) {
    Header copy = h;
    copy.crc32 = 0;
    const u32 crc = crc32(0, reinterpret_cast<const u8*>(&copy), sizeof copy);
    return crc32(crc, blob + sizeof copy, h.total_size - sizeof copy);
}

} // namespace tessera::sysimg

// system_desc.hpp — the static system description the hypervisor boots from.
//
// Read at boot from the binary description `tessera build` packed after the
// hypervisor (packed_system.cpp): the hypervisor never parses text and sizes
// all its tables from this.
#pragma once

#include "addr.hpp"
#include "types.hpp"

namespace tessera {

/// A blob in the image's payload: [begin, end).
struct Blob {
    const u8* begin = nullptr;
    const u8* end = nullptr;
    [[nodiscard]] u64 size() const { return static_cast<u64>(end - begin); }
};

/// What happens when a VM fails (sysimg::FAILURE_*), and how often.
struct FailurePolicy {
    u8 action = 0;        ///< sysimg::FAILURE_STOP, FAILURE_RESTART or FAILURE_FAILOVER
    u32 max_restarts = 0; ///< restarts allowed within window_ms
    u32 window_ms = 0;
    u32 backoff_ms = 0;   ///< delay before a window's first restart, doubled for each next one
    u16 partner = 0;      ///< FAILURE_FAILOVER: the other VM of its pair, by index + 1
    bool standby = false; ///< it starts as its pair's standby
};

/// One VM. A bare-metal guest is `image` loaded at the base of its RAM.
/// A Linux guest also has a device tree (`dtb`, loaded at the base of its
/// RAM) and usually an `initrd`; its kernel `image` is an arm64 Image loaded
/// 2 MiB up, per the arm64 boot protocol.
struct VmDesc {
    const char* name = nullptr;
    Blob image;
    Blob initrd;
    Blob dtb;
    Ipa ram_ipa{}; ///< guest-physical base of its RAM
    u64 ram_size = 0;
    u16 vcpu_count = 0;
    const u8* cores = nullptr; ///< physical core of each vCPU
    u8 priority = 0;           ///< 0..15: a ready vCPU of a higher priority runs first
    u32 budget_us = 0;         ///< CPU time per period on each core it uses; 0 = unlimited
    u32 period_us = 0;         ///< the budget's period
    u32 devices = 0;           ///< bit i: the board's device i is this VM's (passed through)
    u8 sve_vq = 0;             ///< SVE vector length in 128-bit granules; 0: SVE hidden
    Blob flash{};              ///< its flash region's initial contents (empty: erased, all 0xff)
    Ipa flash_ipa{};
    u64 flash_size = 0;    ///< 0: no flash region
    bool firmware = false; ///< an image with a device tree (dtb), not a Linux kernel
    bool flash_writable = false;
    bool mte = false; ///< may use MTE where the board has it
    FailurePolicy failure{};
    bool scrub_eager = false; ///< its RAM scrubbed whole before each run, not on first touch (ram_fill.hpp)
};

/// A channel: shared memory between two VMs, and a doorbell each way.
struct ChannelDesc {
    const char* name = nullptr;
    u64 size = 0;   ///< raw and console: bytes of shared memory; net: 0
    u16 vm[2] = {}; ///< its endpoints' VM indexes (different)
    u32 kind = 0;   ///< sysimg::CHANNEL_RAW, CHANNEL_VIRTIO_NET or CHANNEL_VIRTIO_CONSOLE
};

struct SystemDesc {
    const VmDesc* vms = nullptr;
    u16 vm_count = 0;
    const ChannelDesc* channels = nullptr;
    u16 channel_count = 0;
};

} // namespace tessera

// vplatform.hpp — the virtual platform every VM sees: its guest-physical map and interrupt numbers, written down once.
//
// The hypervisor's device models, the SDK's device-tree writer and the guest
// kit all include this, so they cannot disagree. It follows QEMU virt's map,
// so the same guest binaries and device trees run under Tessera and on QEMU.
#pragma once

#include <stdint.h>

namespace tessera::vplat {

inline constexpr uint64_t FLASH_WINDOW_END = 0x0800'0000; ///< a VM's flash region lies below (QEMU virt: 2 banks)
inline constexpr uint64_t FIRMWARE_IMAGE_OFFSET =
    0x20'0000;                                      ///< image: guests with a device tree: image here, tree at 0
inline constexpr uint64_t GICD = 0x0800'0000;       ///< GICv3 distributor
inline constexpr uint64_t GICD_SIZE = 0x1'0000;     ///< its 64 KiB frame
inline constexpr uint64_t GICR = 0x080a'0000;       ///< redistributor of vCPU 0; vCPU n at GICR + n * GICR_STRIDE
inline constexpr uint64_t GICR_STRIDE = 0x2'0000;   ///< RD_base + SGI_base frames per vCPU
inline constexpr uint64_t GICR_SGI_BASE = 0x1'0000; ///< the SGI_base frame within a redistributor
inline constexpr uint64_t UART = 0x0900'0000;       ///< PL011
/// The most vCPUs a VM can have: its redistributor frames must end before
/// the UART (123 frames of 128 KiB from GICR), as on QEMU's own virt board.
inline constexpr unsigned MAX_VCPUS_PER_VM = static_cast<unsigned>((UART - GICR) / GICR_STRIDE);
inline constexpr uint64_t UART_SIZE = 0x1000;
inline constexpr uint32_t UART_INTID = 33;        ///< SPI 1
inline constexpr uint64_t WATCHDOG = 0x090f'0000; ///< an SP805 watchdog (a page QEMU virt leaves free)
inline constexpr uint64_t WATCHDOG_SIZE = 0x1000;
inline constexpr uint32_t WATCHDOG_CLOCK_HZ = 1'000'000; ///< its WDOGCLK: one count per microsecond
inline constexpr uint32_t VTIMER_INTID = 27;             ///< the EL1 virtual timer's PPI
inline constexpr uint32_t PTIMER_INTID = 30;             ///< the EL1 physical timer's PPI (non-secure)
inline constexpr uint64_t RAM_BASE = 0x4000'0000;        ///< a VM's RAM by default, and the lowest it may start
inline constexpr uint64_t CHANNEL_BASE = 0x3000'0000;    ///< channel k's shared memory: CHANNEL_BASE + k * CHANNEL_SLOT
inline constexpr uint64_t CHANNEL_SLOT = 0x20'0000;      ///< 2 MiB: a channel's largest size
inline constexpr unsigned MAX_CHANNELS = 64;             ///< in a system (the window ends at 0x38000000)
inline constexpr unsigned MAX_CHANNELS_PER_VM = 16;      ///< its i-th channel's doorbell: SPI CHANNEL_INTID + i
inline constexpr uint32_t CHANNEL_INTID = 64;
inline constexpr uint64_t VIRTIO_BASE =
    0x0a00'0000; ///< a VM's j-th virtio device (virtio-mmio 2): VIRTIO_BASE + j * VIRTIO_SIZE
inline constexpr uint64_t VIRTIO_SIZE = 0x200;   ///< QEMU virt's spacing of its virtio-mmio transports
inline constexpr unsigned MAX_VIRTIO_PER_VM = 8; ///< its j-th virtio device's interrupt: SPI VIRTIO_INTID + j
inline constexpr uint32_t VIRTIO_INTID = CHANNEL_INTID + MAX_CHANNELS_PER_VM;
/// A failover pair's notice (SPI 56): the standby took over, or its partner ended (TESSERA_HA_STATUS says which).
inline constexpr uint32_t HA_INTID = VIRTIO_INTID + MAX_VIRTIO_PER_VM;
inline constexpr uint32_t RNG_SEED_BYTES = 32; ///< /chosen/rng-seed in a VM's device tree: written at each boot

} // namespace tessera::vplat

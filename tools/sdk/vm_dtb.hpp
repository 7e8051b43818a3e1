// vm_dtb.hpp — the device tree a Linux VM sees: only what it owns (memory, vCPUs, GIC, timer, UART, PSCI,
// virtio devices).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vplatform.hpp"

namespace tessera::sdk {

/// Where a Linux VM's parts go in its RAM (the hypervisor reads the
/// initramfs's place back from the device tree): the device tree in the
/// first LINUX_DTB_SPACE, the kernel right after, the initramfs at the top,
/// LINUX_INITRD_ALIGN aligned.
inline constexpr uint64_t LINUX_DTB_SPACE = 2ull << 20;
inline constexpr uint64_t LINUX_INITRD_ALIGN = 2ull << 20;
/// The least RAM a Linux VM is given (build_vm_dtb refuses less).
inline constexpr uint64_t LINUX_MIN_RAM = 16ull << 20;

struct LinuxVmSpec {
    std::string name;
    uint64_t ram_base = tessera::vplat::RAM_BASE;
    uint64_t ram_size = 0;
    unsigned vcpus = 1;
    std::string bootargs = "console=ttyAMA0";
    uint64_t initrd_size = 0;    ///< 0: no initramfs
    unsigned virtio_devices = 0; ///< virtio-mmio nodes: the j-th at VIRTIO_BASE + j * VIRTIO_SIZE, SPI VIRTIO_INTID + j
};

/// Where the initramfs goes: at the top of RAM, 2 MiB aligned. The
/// hypervisor reads it back from /chosen, so this is the one place that
/// decides it. Throws std::invalid_argument if it cannot fit.
uint64_t initrd_address(const LinuxVmSpec& spec);

/// Builds the flattened device tree for `spec` (with libfdt).
/// Throws std::invalid_argument for an impossible spec.
std::vector<uint8_t> build_vm_dtb(const LinuxVmSpec& spec);

} // namespace tessera::sdk

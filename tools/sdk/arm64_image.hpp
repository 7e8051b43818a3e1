// arm64_image.hpp — the arm64 Image header, and how much RAM a Linux VM needs to be loaded as the hypervisor loads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "image_header.hpp"

namespace tessera::sdk {

/// The arm64 boot protocol's Image header: its layout is the hypervisor's
/// (hyp/core/image_header.hpp), read the same way on both sides.
inline constexpr size_t ARM64_HEADER_SIZE = arm64::HEADER_SIZE;
using Arm64Header = arm64::ImageHeader;

/// Reads the header at the start of `data` (`size` bytes of the file, at
/// least the header's if there are that many). Returns "" and fills `out`,
/// or says why not: "not an arm64 Image (...)".
std::string read_arm64_header(const uint8_t* data, size_t size, Arm64Header& out);

/// The least RAM (bytes, whole 4 KiB pages) into which the hypervisor can load a Linux VM with
/// this kernel (`kernel_file_size` bytes on disk) and an initramfs of
/// `initrd_size` bytes (0: none). The same layout as the hypervisor's
/// vm_layout() (hyp/core/vm_create.cpp) and the device tree's
/// initrd_address() (vm_dtb.hpp): the device tree in the first 2 MiB, the
/// kernel at 2 MiB + text_offset, the initramfs at the top of RAM, 2 MiB
/// aligned, above the kernel's end; and never below LINUX_MIN_RAM.
/// UINT64_MAX if the header's numbers are beyond any VM (512 GiB).
uint64_t linux_min_memory(const Arm64Header& kernel, uint64_t kernel_file_size, uint64_t initrd_size);

} // namespace tessera::sdk

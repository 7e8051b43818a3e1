// arm64_image.cpp — reading the arm64 Image header and sizing a Linux VM's RAM from it.
#include "arm64_image.hpp"

#include <algorithm>

#include "vm_dtb.hpp"

namespace tessera::sdk {

namespace {

constexpr uint64_t PAGE = 4096;

} // namespace

std::string read_arm64_header(const uint8_t* data, size_t size, Arm64Header& out) {
    if (size < ARM64_HEADER_SIZE) {
        return "not an arm64 Image (" + std::to_string(size) + " bytes, shorter than the " +
               std::to_string(ARM64_HEADER_SIZE) + "-byte Image header)";
    }
    if (!arm64::has_header(data, size)) return "not an arm64 Image (no \"ARM\\x64\" magic at offset 56 of its header)";
    out = arm64::read_header(data);
    return "";
}

uint64_t linux_min_memory(const Arm64Header& kernel, uint64_t kernel_file_size, uint64_t initrd_size) {
    // The hypervisor reserves image_size (or the file's size when the header
    // gives none) and copies the whole file: whichever is larger must fit.
    const uint64_t kernel_size = std::max(kernel.image_size, kernel_file_size);
    // A header's numbers are the file's to choose: past what any VM can have
    // (512 GiB of guest-physical space), no sum is made of them.
    constexpr uint64_t ANY_VM = 1ull << 39;
    if (kernel.text_offset > ANY_VM || kernel_size > ANY_VM || initrd_size > ANY_VM) return UINT64_MAX;
    const uint64_t kernel_end = LINUX_DTB_SPACE + kernel.text_offset + kernel_size;
    const uint64_t initrd_space = (initrd_size + LINUX_INITRD_ALIGN - 1) / LINUX_INITRD_ALIGN * LINUX_INITRD_ALIGN;
    // initrd_address() also keeps the first 4 MiB for the device tree and a
    // kernel, whatever the kernel's real size.
    const uint64_t need = std::max({LINUX_MIN_RAM, kernel_end + initrd_space, initrd_space + 2 * LINUX_DTB_SPACE});
    return (need + PAGE - 1) / PAGE * PAGE; // a VM's memory is whole pages
}

} // namespace tessera::sdk

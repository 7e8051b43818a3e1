// arm64_image.cpp — reading the arm64 Image header and sizing a Linux VM's RAM from it.
#include "arm64_image.hpp"

#include <algorithm>
#include <cstring>

#include "vm_dtb.hpp"

namespace tessera::sdk {

namespace {

constexpr uint64_t PAGE = 4096;
constexpr size_t TEXT_OFFSET_AT = 8;
constexpr size_t IMAGE_SIZE_AT = 16;

uint64_t le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

} // namespace

std::string read_arm64_header(const uint8_t* data, size_t size, Arm64Header& out) {
    if (size < ARM64_HEADER_SIZE) {
        return "not an arm64 Image (" + std::to_string(size) + " bytes, shorter than the " +
               std::to_string(ARM64_HEADER_SIZE) + "-byte Image header)";
    }
    if (std::memcmp(data + ARM64_MAGIC_OFFSET, "ARM\x64", 4) != 0)
        return "not an arm64 Image (no \"ARM\\x64\" magic at offset 56 of its header)";
    out.text_offset = le64(data + TEXT_OFFSET_AT);
    out.image_size = le64(data + IMAGE_SIZE_AT);
    return "";
}

uint64_t linux_min_memory(const Arm64Header& kernel, uint64_t kernel_file_size, uint64_t initrd_size) {
    // The hypervisor reserves image_size (or the file's size when the header
    // gives none) and copies the whole file: whichever is larger must fit.
    const uint64_t kernel_size = std::max(kernel.image_size, kernel_file_size);
    const uint64_t kernel_end = LINUX_DTB_SPACE + kernel.text_offset + kernel_size;
    const uint64_t initrd_space = (initrd_size + LINUX_INITRD_ALIGN - 1) / LINUX_INITRD_ALIGN * LINUX_INITRD_ALIGN;
    // initrd_address() also keeps the first 4 MiB for the device tree and a
    // kernel, whatever the kernel's real size.
    const uint64_t need = std::max({LINUX_MIN_RAM, kernel_end + initrd_space, initrd_space + 2 * LINUX_DTB_SPACE});
    return (need + PAGE - 1) / PAGE * PAGE; // a VM's memory is whole pages
}

} // namespace tessera::sdk

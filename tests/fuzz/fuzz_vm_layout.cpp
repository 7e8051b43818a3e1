// fuzz_vm_layout.cpp — laying out a Linux VM from a hostile kernel header, device tree and initramfs (what a kernel
// file and a system file supply): the VM is created with its kernel, device tree and initramfs inside its own RAM and
// clear of each other, or refused alone with a message while a bystander VM is created either way.
//
// Input: 8 bytes text_offset, 8 bytes image_size, 2 bytes the kernel file's size, 4 bytes the initramfs size, 1 byte
// the VM's RAM in MiB, 1 byte a mode; then, in mode "raw" (bit 0 set), the VM's device tree itself, else the
// linux,initrd-start and linux,initrd-end values to put in a well-formed one.
#include <cstdint>
#include <vector>

extern "C" {
#include <libfdt.h>
}

#include "fuzz_boot_common.hpp"

namespace {

template <class T> T take(const uint8_t*& p, const uint8_t* end) {
    T v{};
    const size_t n = static_cast<size_t>(end - p) < sizeof v ? static_cast<size_t>(end - p) : sizeof v;
    std::memcpy(&v, p, n);
    p += n;
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace tessera;
    const uint8_t* p = data;
    const uint8_t* end = data + size;
    const u64 text_offset = take<u64>(p, end), image_size = take<u64>(p, end);
    const u16 kernel_bytes = take<u16>(p, end);
    const u32 initrd_bytes = take<u32>(p, end) % (8 * MiB);
    const u8 ram_mib = take<u8>(p, end) % 33;
    const u8 mode = take<u8>(p, end);

    std::vector<u8> kernel(64 + kernel_bytes % (16 * KiB), 0);
    std::memcpy(&kernel[8], &text_offset, 8);
    std::memcpy(&kernel[16], &image_size, 8);
    std::memcpy(&kernel[56], "ARM\x64", 4);
    std::vector<u8> dtb;
    if (mode & 1) {
        dtb.assign(p, end); // the device tree as the packed image would carry it: anything
    } else {
        dtb.resize(4096);
        fdt_create_empty_tree(dtb.data(), static_cast<int>(dtb.size()));
        const int chosen = fdt_add_subnode(dtb.data(), 0, "chosen");
        const u64 start = take<u64>(p, end), stop = take<u64>(p, end);
        fdt_setprop_u64(dtb.data(), chosen, "linux,initrd-start", start);
        if (mode & 2) fdt_setprop_u64(dtb.data(), chosen, "linux,initrd-end", stop);
    }
    if (dtb.empty()) dtb.push_back(0);
    const std::vector<u8> initrd(initrd_bytes, 0x5a);
    static const u8 bystander_image[4] = {0x1f, 0x20, 0x03, 0xd5}; // nop
    static const u8 cores[2] = {1, 2};

    PageAllocator alloc = fuzz::fresh_board();
    const VmDesc descs[2] = {
        VmDesc{"linux",
               {kernel.data(), kernel.data() + kernel.size()},
               initrd.empty() ? Blob{} : Blob{initrd.data(), initrd.data() + initrd.size()},
               {dtb.data(), dtb.data() + dtb.size()},
               Ipa(0x4000'0000),
               u64{ram_mib} * MiB,
               1,
               &cores[0]},
        VmDesc{"bystander",
               {bystander_image, bystander_image + sizeof bystander_image},
               {},
               {},
               Ipa(0x4000'0000),
               2 * MiB,
               1,
               &cores[1]},
    };
    vms_create(SystemDesc{descs, 2, nullptr, 0}, alloc);
    fuzz::require(g_vms.count == 2, "a VM not created at all");
    fuzz::require(g_vms.vms[1].state == VmState::running, "a bad VM took its bystander down");
    fuzz::check_created_vms();
    const Vm& vm = g_vms.vms[0];
    if (vm.state != VmState::failed) {
        // Clear of each other: the kernel's whole image_size, the initramfs, the device tree.
        const u64 k = vm.kernel_ipa.raw(), ks = image_size > kernel.size() ? image_size : kernel.size();
        fuzz::require(fuzz::inside(vm.ram, vm.kernel_ipa, ks), "a kernel whose image_size runs past its RAM");
        if (!initrd.empty()) {
            const u64 i = vm.initrd_ipa.raw();
            fuzz::require(i >= k + ks || i + initrd.size() <= k, "an initramfs over the kernel");
            fuzz::require(i >= vm.dtb_ipa.raw() + dtb.size() || i + initrd.size() <= vm.dtb_ipa.raw(),
                          "an initramfs over the device tree");
        }
    }
    return 0;
}

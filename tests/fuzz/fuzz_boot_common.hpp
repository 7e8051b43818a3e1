// fuzz_boot_common.hpp — the fake board a boot fuzz target creates VMs on, and the promise every created VM must keep:
// whatever the hypervisor copied for it (image or kernel, device tree, initramfs) lies inside its own RAM.
#pragma once

#include "checked_range.hpp"
#include "fake_system.hpp"
#include "fuzz_common.hpp"
#include "vm.hpp"

namespace tessera::fuzz {

/// A fresh fake board of 4 cores, as the unit tests make one; its RAM the
/// hypervisor's pool.
inline PageAllocator fresh_board() {
    PageAllocator alloc{};
    tessera::test::FakeSystem::fresh_board(4, alloc);
    return alloc;
}

/// `size` bytes at `at` lie inside `ram`.
inline bool inside(const IpaRange& ram, Ipa at, u64 size) {
    return fits_inside(at.raw(), size, ram.base.raw(), ram.size);
}

/// Every VM created and not refused keeps what was loaded for it in its RAM.
inline void check_created_vms() {
    for (u16 i = 0; i < g_vms.count; ++i) {
        const Vm& vm = g_vms.vms[i];
        if (vm.state == VmState::failed) continue; // refused alone, with a message: nothing loaded
        const VmDesc& d = *vm.desc;
        require(vm.ram.size == d.ram_size && vm.ram.base == d.ram_ipa, "a VM whose RAM is not what it asked for");
        require(inside(vm.ram, vm.kernel_ipa, d.image.size()), "an image loaded outside its VM's RAM");
        if (d.dtb.size() != 0) {
            require(inside(vm.ram, vm.dtb_ipa, d.dtb.size()), "a device tree loaded outside its VM's RAM");
        }
        if (d.initrd.size() != 0) {
            require(inside(vm.ram, vm.initrd_ipa, d.initrd.size()), "an initramfs loaded outside its VM's RAM");
        }
    }
}

} // namespace tessera::fuzz

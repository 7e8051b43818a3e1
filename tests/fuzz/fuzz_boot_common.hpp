// fuzz_boot_common.hpp — the fake board a boot fuzz target creates VMs on, and the promise every created VM must keep:
// whatever the hypervisor copied for it (image or kernel, device tree, initramfs) lies inside its own RAM.
#pragma once

#include <memory>

#include "arch_mem.hpp"
#include "checked_range.hpp"
#include "console.hpp"
#include "fake_arch.hpp"
#include "fuzz_common.hpp"
#include "page_alloc.hpp"
#include "sched.hpp"
#include "vm.hpp"

namespace tessera::fuzz {

inline constexpr u64 FAKE_RAM = 0x8000'0000;
inline constexpr u64 FAKE_RAM_SIZE = 48 * MiB;

/// A fresh fake board of 4 cores, its RAM the hypervisor's pool.
inline PageAllocator fresh_board() {
    arch::fake::reset();
    console_init([](char) {});
    static bool ram = false; // (one allocation for the whole run: the pool reuses it)
    if (!ram) arch::fake_ram_init(PhysAddr(FAKE_RAM), FAKE_RAM_SIZE);
    ram = true;
    PageAllocator alloc{};
    (void)alloc.add_range({PhysAddr(FAKE_RAM), FAKE_RAM_SIZE});
    g_core_count = 4;
    for (unsigned i = 0; i < MAX_CORES; ++i) {
        std::destroy_at(&g_cores[i]);
        std::construct_at(&g_cores[i]);
        g_cores[i].index = i;
        g_cores[i].online = i < 4;
    }
    std::destroy_at(&g_vms);
    std::construct_at(&g_vms);
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

// vm_create.cpp — creating the VMs from the system description at boot: memory, stage-2, devices, vCPUs.
//
// Boot-only (the link script counts it apart from the resident core): none
// of this is reached once the guests run.
#include <new>

#include "arch.hpp"
#include "board.hpp"
#include "channel.hpp"
#include "checked_range.hpp"
#include "failover.hpp"
#include "image_header.hpp"
#include "ram_fill.hpp"
#include "sched.hpp"
#include "string.hpp"
#include "vm.hpp"

namespace tessera {

namespace {

/// Decides where the image, initramfs and device tree go in the VM's RAM and
/// checks that they fit without overlapping: every byte vm_load() copies
/// lands in the VM's own RAM. Returns why the VM cannot run, or nullptr.
const char* vm_layout(Vm& vm) {
    const VmDesc& d = *vm.desc;
    const u64 ram = vm.ram.size;
    if (d.dtb.size() == 0) {
        vm.kernel_ipa = vm.ram.base;
        if (!fits_within(0, d.image.size(), ram)) return "image larger than its memory";
        // (Only a device tree says where an initramfs goes.)
        if (d.initrd.size() != 0) return "an initramfs without a device tree";
        return nullptr;
    }
    if (d.firmware) {
        // The QEMU virt convention for firmware (U-Boot reads its tree at the
        // start of RAM): the tree, then the image 2 MiB up, entered with x0 = tree.
        constexpr u64 at = vplat::FIRMWARE_IMAGE_OFFSET;
        if (d.dtb.size() > at || !fits_within(at, d.image.size(), ram) || d.initrd.size() != 0)
            return "image and device tree do not fit in its memory";
        vm.dtb_ipa = vm.ram.base;
        vm.kernel_ipa = vm.ram.base + at;
        vm.seed_offset = vm_rng_seed_offset(d.dtb.begin, d.dtb.size());
        return nullptr;
    }
    if (!arm64::has_header(d.image.begin, d.image.size())) return "its kernel is not an arm64 Image";
    // The copy is the whole file, so the space the kernel takes is the
    // larger of the file and what its header says.
    const arm64::ImageHeader header = arm64::read_header(d.image.begin);
    const u64 text_offset = header.text_offset;
    const u64 kernel_size = header.image_size > d.image.size() ? header.image_size : d.image.size();
    if (d.dtb.size() > 2 * MiB || !fits_within(2 * MiB, text_offset, ram) ||
        !fits_within(2 * MiB + text_offset, kernel_size, ram)) {
        return "kernel and device tree do not fit in its memory";
    }
    vm.dtb_ipa = vm.ram.base;
    vm.kernel_ipa = vm.ram.base + 2 * MiB + text_offset;
    vm.initrd_ipa = linux_initrd_address(d.dtb.begin, d.dtb.size());
    vm.seed_offset = vm_rng_seed_offset(d.dtb.begin, d.dtb.size());
    if (d.initrd.size() == 0) return nullptr;
    const u64 at = vm.initrd_ipa.raw() - vm.ram.base.raw(); // (wraps when below RAM: then it does not fit)
    const u64 kernel_at = 2 * MiB + text_offset;
    const bool clear_of_kernel = at >= kernel_at + kernel_size || at + d.initrd.size() <= kernel_at;
    if (vm.initrd_ipa < vm.ram.base || !fits_within(at, d.initrd.size(), ram) || at < d.dtb.size() ||
        !clear_of_kernel) {
        return "its initramfs does not fit beside the kernel (see its device tree's linux,initrd-start)";
    }
    return nullptr;
}

/// The bitmaps of filled pieces of the lazily scrubbed VMs, packed into
/// shared pages (a bit per 2 MiB: one page serves 128 GiB of RAM) rather
/// than a page each.
struct BitmapPages {
    u64* at = nullptr;
    u64 left = 0; ///< words free at `at`
};

/// `words` cleared words from `pages` (a new run of pages when they do not
/// fit in what is left); nullptr if the board has no memory for them.
u64* take_words(BitmapPages& pages, u64 words, PageAllocator& alloc) {
    if (words > pages.left) {
        const u64 bytes = align_up(words * sizeof(u64), PAGE_SIZE);
        auto mem = alloc.alloc(bytes);
        if (!mem.ok()) return nullptr;
        pages.at = static_cast<u64*>(arch::phys_to_ptr(mem.value()));
        pages.left = bytes / sizeof(u64);
        memset(pages.at, 0, bytes);
    }
    u64* w = pages.at;
    pages.at += words;
    pages.left -= words;
    return w;
}

/// Maps `vm`'s RAM into its stage 2 — or, scrubbed on first touch
/// (ram_fill.hpp), only makes the tables for it, and gives it its bitmap of
/// what is filled. Returns why it cannot have it, or nullptr.
const char* give_ram(Vm& vm, PageAllocator& alloc, BitmapPages& bitmaps) {
    const VmDesc& d = *vm.desc;
    vm.fill_lazily = !d.scrub_eager && ram_fill_lent();
    if (vm.fill_lazily) {
        vm.filled = take_words(bitmaps, (vm_ram_pieces(vm) + 63) / 64, alloc);
        if (vm.filled == nullptr) {
            vm.fill_lazily = false;
            return "the board has no free memory for its RAM's map";
        }
        if (vm.stage2.prepare(d.ram_ipa, vm.ram_pa, vm.ram.size, alloc) != Status::ok)
            return "its RAM cannot be mapped at its guest-physical address";
        return nullptr;
    }
    if (vm.stage2.map(d.ram_ipa, vm.ram_pa, vm.ram.size, VM_RAM_ATTRS, alloc) != Status::ok)
        return "its RAM cannot be mapped at its guest-physical address";
    return nullptr;
}

/// Gives `vm` the board's devices its description names: their registers
/// in its stage-2 (device memory, never executable). Returns why it cannot
/// have them, or nullptr; what it got is released again by drop_devices().
const char* give_devices(Vm& vm, PageAllocator& alloc) {
    const VmDesc& d = *vm.desc;
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) {
        if ((d.devices & (1u << i)) == 0) continue;
        const board::Device& dev = board::DEVICES[i];
        if (device_owner(i) != nullptr) return "a device it names belongs to another VM";
        const MapAttrs attrs{true, true, false, MapAttrs::Mem::device};
        if (vm.stage2.map(Ipa(dev.base), PhysAddr(dev.base), dev.size, attrs, alloc) != Status::ok) {
            return "a device's registers cannot be mapped in its address space";
        }
        set_device_owner(i, &vm);
    }
    return nullptr;
}

/// A refused VM lets go of the devices give_devices() gave it: another VM
/// naming one is then judged on its own description, not on this one's.
void drop_devices(const Vm& vm) {
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) {
        if (device_owner(i) == &vm) set_device_owner(i, nullptr);
    }
}

/// Routes the interrupts of the devices `vm` owns to the core of its vCPU
/// 0, once nothing can refuse it any more.
void route_devices(const Vm& vm) {
    const VmDesc& d = *vm.desc;
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) {
        if (device_owner(i) != &vm) continue;
        const board::Device& dev = board::DEVICES[i];
        arch::route_device_irq(dev.intid, d.cores[0]);
        log("vm %s: owns device %s (%#llx, INTID %u)", d.name, dev.name, static_cast<unsigned long long>(dev.base),
            dev.intid);
    }
}

/// Gives `vm` its flash region, if its description has one: pages of its
/// own, erased (0xff) then holding the description's contents, mapped
/// read-only (or, if writable, read-write: RAM-backed flash whose writes last
/// until the board powers off) and never executable. Returns why it cannot
/// have it, or nullptr.
const char* give_flash(Vm& vm, PageAllocator& alloc) {
    const VmDesc& d = *vm.desc;
    if (d.flash_size == 0) return nullptr;
    auto mem = alloc.alloc(d.flash_size);
    if (!mem.ok()) return "the board has no free memory for its flash";
    auto* bytes = static_cast<u8*>(arch::phys_to_ptr(mem.value()));
    memset(bytes, 0xff, d.flash_size);
    if (arch::el2_tags()) arch::clear_tags(bytes, d.flash_size); // (no tag of the board's last boot either)
    memcpy(bytes, d.flash.begin, d.flash.size());
    arch::clean_dcache_to_poc(bytes, d.flash_size);
    const MapAttrs attrs{true, d.flash_writable, false, MapAttrs::Mem::normal};
    if (vm.stage2.map(d.flash_ipa, mem.value(), d.flash_size, attrs, alloc) != Status::ok)
        return "its flash cannot be mapped at its guest-physical address";
    log("vm %s: flash %llu KiB at IPA %#llx, %s", d.name, static_cast<unsigned long long>(d.flash_size / KiB),
        static_cast<unsigned long long>(d.flash_ipa.raw()), d.flash_writable ? "writable" : "read-only");
    return nullptr;
}

/// A VM whose system file gives it SVE gets it at the longest vector length
/// the board has up to the one asked for, and a save area per vCPU, used
/// only once that vCPU runs an SVE instruction (vcpu.cpp). Without SVE on
/// the board, the feature stays hidden and the VM runs on. Returns why it
/// cannot have it, or nullptr.
const char* give_sve(Vm& vm, PageAllocator& alloc) {
    const VmDesc& d = *vm.desc;
    if (d.sve_vq == 0) return nullptr;
    const unsigned vq = arch::sve_vector_granules(d.sve_vq);
    if (vq == 0) {
        log("vm %s: the board has no SVE: the VM runs without it", d.name);
        return nullptr;
    }
    const u64 each = align_up(sve_state_bytes(vq), 16);
    auto mem = alloc.alloc(each * d.vcpu_count);
    if (!mem.ok()) return "the board has no free memory for its vCPUs' SVE state";
    auto* area = static_cast<u8*>(arch::phys_to_ptr(mem.value()));
    for (u16 i = 0; i < d.vcpu_count; ++i) vm.vcpus[i].sve_state = area + i * each;
    vm.sve_vq = static_cast<u8>(vq);
    vm.cpu.sve = true;
    log("vm %s: SVE with %u-bit vectors", d.name, vq * 128);
    return nullptr;
}

/// Checks what only the boot can check about `vm` and gives it its RAM,
/// stage-2 table, devices, flash and SVE state. Returns why it cannot run,
/// or nullptr: a description's numbers, however hostile, refuse this VM
/// alone (tests/fuzz/fuzz_packed_boot.cpp holds it to that).
const char* accept(Vm& vm, PageAllocator& alloc, BitmapPages& bitmaps) {
    const VmDesc& d = *vm.desc;
    for (u16 i = 0; i < d.vcpu_count; ++i) {
        if (d.cores[i] >= g_core_count) return "a vCPU's core is not on this board";
    }
    if (d.budget_us != 0 && (d.period_us == 0 || d.budget_us > d.period_us)) return "its budget cannot be met";
    if (const char* why = vm_layout(vm); why != nullptr) return why;
    auto ram = alloc.alloc(d.ram_size, 2 * MiB);
    if (!ram.ok()) return "the board has no free memory for its RAM";
    vm.ram_pa = ram.value();
    if (Status s = vm.stage2.init(alloc); s != Status::ok) return "no memory for its stage-2 table";
    if (const char* why = give_ram(vm, alloc, bitmaps); why != nullptr) {
        vm.stage2 = Stage2Table{}; // (refused: nothing reaches its RAM, as below)
        return why;
    }
    const char* why = give_devices(vm, alloc);
    if (why == nullptr) why = give_flash(vm, alloc);
    if (why == nullptr) why = give_sve(vm, alloc);
    if (why != nullptr) {
        // Refused: no device is its any more, and no table reaches its
        // devices or anything else (channels and a partner's devices skip a
        // VM without a stage-2 root). The pages stay spent: boot allocates once.
        drop_devices(vm);
        vm.stage2 = Stage2Table{};
        return why;
    }
    route_devices(vm);
    return nullptr;
}

} // namespace

void vms_create(const SystemDesc& sys, PageAllocator& alloc) {
    auto vm_mem = alloc.alloc(sizeof(Vm) * sys.vm_count);
    if (!vm_mem.ok()) arch::panic("no memory for %u VM objects", sys.vm_count);
    g_vms.vms = static_cast<Vm*>(arch::phys_to_ptr(vm_mem.value()));
    g_vms.count = sys.vm_count;
    g_vms.pool = &alloc;
    bool any_refused = false;
    BitmapPages bitmaps;
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) set_device_owner(i, nullptr);

    // Every VM's vCPU objects first, before any VM's RAM: a large VM early
    // in the description must not leave a later one without its vCPUs (the
    // description's check bounds them: 256 per core, 8 cores).
    for (u16 id = 0; id < sys.vm_count; ++id) {
        const VmDesc& d = sys.vms[id];
        Vm& vm = *new (&g_vms.vms[id]) Vm();
        auto vcpu_mem = alloc.alloc(sizeof(Vcpu) * d.vcpu_count);
        if (!vcpu_mem.ok()) arch::panic("vm %s: no memory for %u vCPUs", d.name, d.vcpu_count);
        vm.vcpus = static_cast<Vcpu*>(arch::phys_to_ptr(vcpu_mem.value()));
    }
    for (u16 id = 0; id < sys.vm_count; ++id) {
        const VmDesc& d = sys.vms[id];
        Vm& vm = g_vms.vms[id];
        vm.desc = &d;
        vm.id = id;
        vm.vmid = static_cast<u16>(id + 1); // VMID 0 is never given to a guest
        vm.standby.store(d.failure.standby, std::memory_order_relaxed);
        vm.ram = IpaRange{d.ram_ipa, align_up(d.ram_size, PAGE_SIZE)};
        for (u16 i = 0; i < d.vcpu_count; ++i) {
            Vcpu& v = *new (&vm.vcpus[i]) Vcpu();
            v.vm = &vm;
            v.index = i;
            v.core = d.cores[i] < g_core_count ? d.cores[i] : 0;
        }
        // What this VM's own description gets wrong, or the board cannot
        // give it, stops this VM alone (after the loop): the others run.
        if (const char* why = accept(vm, alloc, bitmaps); why != nullptr) {
            vm_refuse(vm, why);
            any_refused = true;
            continue;
        }
        for (u16 i = 0; i < d.vcpu_count; ++i) {
            Vcpu& v = vm.vcpus[i];
            v.priority = d.priority < PRIORITY_LEVELS ? d.priority : PRIORITY_LEVELS - 1;
            ++g_cores[v.core].assigned;
            if (d.budget_us != 0) {
                v.budgeted = true;
                vm.budget[v.core].budget = arch::us_to_ticks(d.budget_us);
                vm.budget[v.core].period = arch::us_to_ticks(d.period_us);
            }
        }
        vm.cpu.pmu = arch::pmu_lent();
        if (d.mte) {
            vm.cpu.mte = arch::board_has_mte();
            if (vm.cpu.mte)
                log("vm %s: MTE (tagged memory, tag checks)", d.name);
            else
                log("vm %s: the board has no MTE with tag memory: the VM runs without it", d.name);
        }
        vm_load(vm);
        log("vm %s: %llu KiB at IPA %#llx (PA %#llx), %u vCPU%s from core %u%s", d.name,
            static_cast<unsigned long long>(vm.ram.size / KiB), static_cast<unsigned long long>(d.ram_ipa.raw()),
            static_cast<unsigned long long>(vm.ram_pa.raw()), d.vcpu_count, d.vcpu_count == 1 ? "" : "s", d.cores[0],
            d.firmware ? ", firmware with a device tree" : (d.dtb.size() != 0 ? ", Linux boot protocol" : ""));
        if (d.budget_us != 0) {
            log("vm %s: priority %u, budget %u us per %u us", d.name, d.priority, d.budget_us, d.period_us);
        } else if (d.priority != 0) {
            log("vm %s: priority %u", d.name, d.priority);
        }
    }
    channels_create(sys, alloc);
    failover_prepare_devices(alloc);                 // (a pair's devices, as channels_create did its channels)
    if (any_refused) vms_power_off_if_all_stopped(); // (every VM refused: nothing to run)
}

} // namespace tessera

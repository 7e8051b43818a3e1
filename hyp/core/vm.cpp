// vm.cpp — creating VMs from the system description, and stopping them.
#include "vm.hpp"

#include <new>

#include "arch.hpp"
#include "board.hpp"
#include "sched.hpp"
#include "string.hpp"

namespace tessera {

VmTable g_vms;

namespace {

const char* reason_text(StopReason r) {
    switch (r) {
    case StopReason::poweroff: return "powered off";
    case StopReason::exit_code: return "exited";
    case StopReason::fault: return "stopped after a fault";
    case StopReason::unhandled_trap: return "stopped on an unhandled trap";
    case StopReason::last_cpu_off: return "last vCPU turned off";
    }
    return "?";
}

u32 g_powering_off = 0;

/// Logs the final verdict and powers off once no VM is running.
void power_off_if_all_stopped() {
    unsigned failed = 0;
    for (u16 i = 0; i < g_vms.count; ++i) {
        const VmState s = __atomic_load_n(&g_vms.vms[i].state, __ATOMIC_ACQUIRE);
        if (s == VmState::running) return;
        if (s == VmState::failed) ++failed;
    }
    // Two cores may stop the last two VMs at once: one of them reports.
    if (__atomic_exchange_n(&g_powering_off, 1u, __ATOMIC_ACQ_REL) != 0) return;
    if (failed == 0) {
        log("all %u VMs ended cleanly; powering off", g_vms.count);
    } else {
        log("%u of %u VMs failed; powering off", failed, g_vms.count);
    }
    arch::system_off();
}

} // namespace

void vm_stop(Vm& vm, StopReason reason, u64 code, const char* why) {
    const bool clean = reason == StopReason::poweroff || reason == StopReason::last_cpu_off ||
                       (reason == StopReason::exit_code && code == 0);
    VmState expected = VmState::running;
    const VmState next = clean ? VmState::ended : VmState::failed;
    if (!__atomic_compare_exchange_n(&vm.state, &expected, next, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        return; // someone else stopped it first
    }
    vm.console.flush(vm.name());
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
        Vcpu& v = vm.vcpus[i];
        __atomic_store_n(&v.state, VcpuState::stopped, __ATOMIC_RELEASE);
    }
    if (reason == StopReason::exit_code) {
        log("vm %s: %s with code %llu%s%s", vm.name(), reason_text(reason), static_cast<unsigned long long>(code),
            why[0] ? ": " : "", why);
    } else {
        log("vm %s: %s%s%s", vm.name(), reason_text(reason), why[0] ? ": " : "", why);
    }
    // vCPUs of this VM loaded on other cores must leave them now.
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
        if (g_cores[vm.vcpus[i].core].current == &vm.vcpus[i]) arch::kick_core(vm.vcpus[i].core);
    }
    power_off_if_all_stopped();
}

namespace {

/// Copies the VM's images into its RAM, resets its devices and its vCPUs, and
/// makes vCPU 0 runnable at the image's entry (x0 = device tree, if any).
void vm_load(Vm& vm) {
    const VmDesc& d = *vm.desc;
    u8* ram = static_cast<u8*>(arch::phys_to_ptr(vm.ram_pa));
    arch::zero_memory(ram, vm.ram.size);
    auto place = [&](Ipa at, const Blob& b) { memcpy(ram + (at - vm.ram.base), b.begin, b.size()); };
    place(vm.kernel_ipa, d.image);
    if (d.initrd.size() != 0) place(vm.initrd_ipa, d.initrd);
    if (d.dtb.size() != 0) place(vm.dtb_ipa, d.dtb);
    arch::clean_dcache_to_poc(ram, vm.ram.size);

    vgic_reset(vm);
    vpl011_reset(vm.uart);
    for (u16 i = 0; i < d.vcpu_count; ++i) {
        Vcpu& v = vm.vcpus[i];
        arch::vcpu_reset(v, Ipa(0), 0);
        v.state = VcpuState::off;
    }
    Vcpu& boot = vm.vcpus[0];
    arch::vcpu_reset(boot, vm.kernel_ipa, vm.dtb_ipa.raw());
    boot.state = VcpuState::runnable;
    core_enqueue(boot);
}

/// Decides where the image, initramfs and device tree go in the VM's RAM and
/// checks that they fit without overlapping.
void vm_layout(Vm& vm) {
    const VmDesc& d = *vm.desc;
    if (d.dtb.size() == 0) {
        vm.kernel_ipa = vm.ram.base;
        if (d.image.size() > vm.ram.size) arch::panic("vm %s: image larger than its memory", d.name);
        return;
    }
    // arm64 boot protocol: Image header text_offset at +8, image_size at +16.
    u64 text_offset = 0;
    u64 image_size = 0;
    memcpy(&text_offset, d.image.begin + 8, 8);
    memcpy(&image_size, d.image.begin + 16, 8);
    if (image_size == 0) image_size = d.image.size();
    vm.dtb_ipa = vm.ram.base;
    vm.kernel_ipa = vm.ram.base + 2 * MiB + text_offset;
    vm.initrd_ipa = linux_initrd_address(d.dtb.begin);
    const IpaRange kernel{vm.kernel_ipa, image_size};
    const IpaRange dtb{vm.dtb_ipa, d.dtb.size()};
    const IpaRange initrd{vm.initrd_ipa, d.initrd.size()};
    if (d.dtb.size() > 2 * MiB || kernel.end() > vm.ram.end()) {
        arch::panic("vm %s: kernel and device tree do not fit in its memory", d.name);
    }
    if (d.initrd.size() != 0 &&
        (initrd.base < vm.ram.base || initrd.end() > vm.ram.end() || initrd.overlaps(kernel) || initrd.overlaps(dtb))) {
        arch::panic("vm %s: its initramfs at %#llx does not fit beside the kernel", d.name,
                    static_cast<unsigned long long>(initrd.base.raw()));
    }
}

} // namespace

/// How long a core may take to leave a vCPU after being kicked.
constexpr u64 VCPU_STOP_TIMEOUT_US = 1'000'000;

void vm_reset(Vm& vm) {
    log("vm %s: restarting from its original image", vm.name());
    vm.console.flush(vm.name());
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
        __atomic_store_n(&vm.vcpus[i].state, VcpuState::off, __ATOMIC_RELEASE);
    }
    // Every other vCPU of the VM must be off its core before its memory and
    // state are rewritten.
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
        Vcpu& v = vm.vcpus[i];
        if (v.core == arch::this_core()) continue;
        arch::kick_core(v.core);
        arch::wait_until([&] { return __atomic_load_n(&g_cores[v.core].current, __ATOMIC_ACQUIRE) != &v; },
                         VCPU_STOP_TIMEOUT_US);
    }
    arch::vm_release_hw(vm);
    vm_load(vm);
}

namespace {

Vm* g_device_owner[board::DEVICE_COUNT]{};

/// Gives `vm` the board's devices its description names: their registers
/// in its stage-2 (device memory, never executable), their interrupts
/// routed to the core of its vCPU 0.
void give_devices(Vm& vm, PageAllocator& alloc) {
    const VmDesc& d = *vm.desc;
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) {
        if ((d.devices & (1u << i)) == 0) continue;
        const board::Device& dev = board::DEVICES[i];
        if (g_device_owner[i] != nullptr) {
            arch::panic("vm %s: device %s already belongs to vm %s", d.name, dev.name, g_device_owner[i]->name());
        }
        const MapAttrs attrs{true, true, false, MapAttrs::Mem::device};
        if (Status s = vm.stage2.map(dev.base, PhysAddr(dev.base), dev.size, attrs, alloc); s != Status::ok) {
            arch::panic("vm %s: stage-2 map of device %s: %s", d.name, dev.name, status_name(s));
        }
        g_device_owner[i] = &vm;
        arch::route_device_irq(dev.intid, d.cores[0]);
        log("vm %s: owns device %s (%#llx, INTID %u)", d.name, dev.name, static_cast<unsigned long long>(dev.base),
            dev.intid);
    }
}

} // namespace

bool device_irq_forward(u32 intid) {
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) {
        Vm* owner = g_device_owner[i];
        if (board::DEVICES[i].intid != intid || owner == nullptr) continue;
        if (__atomic_load_n(&owner->state, __ATOMIC_ACQUIRE) != VmState::running) return false;
        // Hardware-linked: the guest's end of interrupt deactivates the
        // physical one, so the device cannot interrupt again before then.
        vgic_inject(owner->vcpus[0], intid, true);
        return true;
    }
    return false;
}

bool vm_memory_private(const Vm& vm, u64& audited) {
    const PhysRange mine{vm.ram_pa, vm.ram.size};
    bool alone = true;
    audited = 0;
    for (u16 i = 0; i < g_vms.count; ++i) {
        const Vm& other = g_vms.vms[i];
        if (&other == &vm) continue;
        other.stage2.for_each_leaf([&](u64, PhysAddr pa, u64 size) {
            ++audited;
            if (mine.overlaps({pa, size})) alone = false;
        });
    }
    return alone;
}

void vms_create(const SystemDesc& sys, PageAllocator& alloc) {
    auto vm_mem = alloc.alloc(sizeof(Vm) * sys.vm_count);
    if (!vm_mem.ok()) arch::panic("no memory for %u VM objects", sys.vm_count);
    g_vms.vms = static_cast<Vm*>(arch::phys_to_ptr(vm_mem.value()));
    g_vms.count = sys.vm_count;

    for (u16 id = 0; id < sys.vm_count; ++id) {
        const VmDesc& d = sys.vms[id];
        Vm& vm = *new (&g_vms.vms[id]) Vm();
        vm.desc = &d;
        vm.id = id;
        vm.vmid = static_cast<u16>(id + 1); // VMID 0 is never given to a guest
        for (u16 i = 0; i < d.vcpu_count; ++i) {
            if (d.cores[i] >= g_core_count) arch::panic("vm %s: core %u does not exist", d.name, d.cores[i]);
        }

        auto ram = alloc.alloc(d.ram_size, 2 * MiB);
        if (!ram.ok()) {
            arch::panic("vm %s: no memory for %llu KiB of RAM", d.name,
                        static_cast<unsigned long long>(d.ram_size / KiB));
        }
        vm.ram = IpaRange{Ipa(d.ram_ipa), align_up(d.ram_size, PAGE_SIZE)};
        vm.ram_pa = ram.value();
        vm_layout(vm);

        if (Status s = vm.stage2.init(alloc); s != Status::ok)
            arch::panic("vm %s: stage-2: %s", d.name, status_name(s));
        const MapAttrs ram_attrs{true, true, true, MapAttrs::Mem::normal};
        if (Status s = vm.stage2.map(d.ram_ipa, vm.ram_pa, vm.ram.size, ram_attrs, alloc); s != Status::ok) {
            arch::panic("vm %s: stage-2 map of RAM: %s", d.name, status_name(s));
        }
        give_devices(vm, alloc);

        auto vcpu_mem = alloc.alloc(sizeof(Vcpu) * d.vcpu_count);
        if (!vcpu_mem.ok()) arch::panic("vm %s: no memory for %u vCPUs", d.name, d.vcpu_count);
        vm.vcpus = static_cast<Vcpu*>(arch::phys_to_ptr(vcpu_mem.value()));
        for (u16 i = 0; i < d.vcpu_count; ++i) {
            Vcpu& v = *new (&vm.vcpus[i]) Vcpu();
            v.vm = &vm;
            v.index = i;
            v.core = d.cores[i];
            v.priority = d.priority < PRIORITY_LEVELS ? d.priority : PRIORITY_LEVELS - 1;
            ++g_cores[v.core].assigned;
            if (d.budget_us != 0) {
                vm.budget[v.core].budget = arch::us_to_ticks(d.budget_us);
                vm.budget[v.core].period = arch::us_to_ticks(d.period_us);
            }
        }
        if (d.budget_us != 0 && (d.period_us == 0 || d.budget_us > d.period_us)) {
            arch::panic("vm %s: budget %u us per %u us cannot be met", d.name, d.budget_us, d.period_us);
        }
        vm_load(vm);
        log("vm %s: %llu KiB at IPA %#llx (PA %#llx), %u vCPU%s from core %u%s", d.name,
            static_cast<unsigned long long>(vm.ram.size / KiB), static_cast<unsigned long long>(d.ram_ipa),
            static_cast<unsigned long long>(vm.ram_pa.raw()), d.vcpu_count, d.vcpu_count == 1 ? "" : "s", d.cores[0],
            d.dtb.size() != 0 ? ", Linux boot protocol" : "");
        if (d.budget_us != 0) {
            log("vm %s: priority %u, budget %u us per %u us", d.name, d.priority, d.budget_us, d.period_us);
        } else if (d.priority != 0) {
            log("vm %s: priority %u", d.name, d.priority);
        }
    }
}

} // namespace tessera

// vm_load.cpp — loading a VM: its RAM written as a fresh boot finds it (images and zeros, cleaned; now, or on
// first touch: ram_fill.hpp), its devices and vCPUs reset, its vCPU 0 queued.
//
// Apart from vm.cpp because only the boot and a restart load a VM: the
// minimal build, which cannot restart one, keeps it boot-only (link.ld).
#include "arch.hpp"
#include "boot_only.hpp"
#include "entropy.hpp"
#include "sched.hpp"
#include "string.hpp"
#include "vm.hpp"

namespace tessera {

void vm_load_begin(Vm& vm) {
    // Its model devices first: a peer's frame or message in flight into the
    // old rings must not land in the RAM scrubbed below (the reset takes
    // the device's lock, so a copy under way ends before it).
    for (unsigned i = 0; i < vm.model_count; ++i) vm.models[i].reset(vm.models[i].self);
    // The seed of this run, drawn now: a fill on first touch runs inside
    // a guest's exit, where drawing one (ChaCha20 borrows the FP/SIMD
    // registers, unloading the vCPU) would lose what the exit then writes
    // to its EL1 registers.
    if (vm.seed_offset != 0) entropy_fill(vm.seed, VM_SEED_BYTES);
}

u64 vm_scrub(Vm& vm, u64 from, u64 until) {
    while (from < vm.ram.size) {
        const u64 n = vm.ram.size - from < SCRUB_PIECE ? vm.ram.size - from : SCRUB_PIECE;
        vm_fill_bytes(vm, from, n);
        from += n;
        if (arch::now_ticks() >= until) break;
    }
    if (from == vm.ram.size) arch::forget_instructions(); // (the zeros after its last image part, too)
    return from;
}

void vm_fill_bytes(Vm& vm, u64 off, u64 n) {
    const VmDesc& d = *vm.desc;
    u8* ram = static_cast<u8*>(arch::phys_to_ptr(vm.ram_pa));
    struct Part {
        u64 start; // offset in its RAM (vm_layout checked that it is inside, and that none overlap)
        const Blob* blob;
    } parts[3];
    unsigned count = 0;
    parts[count++] = {vm.kernel_ipa - vm.ram.base, &d.image};
    if (d.initrd.size() != 0) parts[count++] = {vm.initrd_ipa - vm.ram.base, &d.initrd};
    if (d.dtb.size() != 0) parts[count++] = {vm.dtb_ipa - vm.ram.base, &d.dtb};
    // In address order, so that the zeros between them are one range each.
    for (unsigned i = 1; i < count; ++i) {
        for (unsigned j = i; j > 0 && parts[j].start < parts[j - 1].start; --j) {
            const Part t = parts[j];
            parts[j] = parts[j - 1];
            parts[j - 1] = t;
        }
    }
    // A VM with MTE may read tags as well as data: none of its last run's
    // survive either (the data below writes no tags).
    if (vm.cpu.mte) arch::clear_tags(ram + off, n);
    // Each byte written once, each line cleaned once: its vCPUs start with
    // their caches off and must read these, not what the last run left.
    const u64 end = off + n;
    u64 at = off;
    for (unsigned i = 0; i < count; ++i) {
        const u64 lo = parts[i].start > at ? parts[i].start : at;
        const u64 hi = parts[i].start + parts[i].blob->size() < end ? parts[i].start + parts[i].blob->size() : end;
        if (lo >= hi) continue;
        if (at < lo) arch::zero_to_poc(ram + at, lo - at);
        memcpy(ram + lo, parts[i].blob->begin + (lo - parts[i].start), hi - lo);
        arch::clean_dcache_to_poc(ram + lo, hi - lo);
        at = hi;
    }
    if (at < end) arch::zero_to_poc(ram + at, end - at);
    // Its seed for this run (vm_load_begin drew it; the payload's tree
    // holds zeros there), written whole by the piece that holds its last
    // byte. The tree is at the base of its RAM and at most 2 MiB
    // (vm_layout), so a lazy fill's piece holds all of it; an eager scrub's
    // pieces go in order, so none after this one writes there again.
    if (vm.seed_offset != 0) {
        const u64 seed = (vm.dtb_ipa - vm.ram.base) + vm.seed_offset;
        if (seed + VM_SEED_BYTES - 1 >= off && seed + VM_SEED_BYTES - 1 < end) {
            memcpy(ram + seed, vm.seed, VM_SEED_BYTES);
            arch::clean_dcache_to_poc(ram + seed, VM_SEED_BYTES);
        }
    }
}

void vm_load_finish(Vm& vm) {
    const VmDesc& d = *vm.desc;
    vgic_reset(vm);
    vpl011_reset(vm.uart);
    vsp805_reset(vm.watchdog);
    vm.unknown_sysreg = ~0u;
    for (u16 i = 0; i < d.vcpu_count; ++i) {
        Vcpu& v = vm.vcpus[i];
        arch::vcpu_reset(v, Ipa(0), 0);
        v.stall_pc = 0;
        v.stalls = 0;
        v.state.store(VcpuState::off, std::memory_order_release);
    }
    Vcpu& boot = vm.vcpus[0];
    arch::vcpu_reset(boot, vm.kernel_ipa, vm.dtb_ipa.raw());
    boot.state.store(VcpuState::runnable, std::memory_order_release);
    core_enqueue(boot);
}

TESSERA_BOOT_ONLY void vm_load(Vm& vm) {
    vm_load_begin(vm);
    if (!vm.fill_lazily) (void)vm_scrub(vm, 0, ~0ull); // (else on first touch: ram_fill.hpp)
    vm_load_finish(vm);
}

} // namespace tessera

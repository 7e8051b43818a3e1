// ram_fill.cpp — a lazily scrubbed VM's RAM filled and mapped 2 MiB at a time, on its first touch (ram_fill.hpp).
#include "ram_fill.hpp"

#include "arch.hpp"
#include "boot_only.hpp"

namespace tessera {

namespace {

/// Bytes of `vm`'s RAM piece `piece` covers from its start, `piece * RAM_FILL_PIECE`.
u64 piece_bytes(const Vm& vm, u64 piece) {
    const u64 off = piece * RAM_FILL_PIECE;
    return vm.ram.size - off < RAM_FILL_PIECE ? vm.ram.size - off : RAM_FILL_PIECE;
}

/// Fills and maps piece `piece` of `vm`'s RAM, unless it is already. Under
/// the VM's fill lock: two vCPUs (or a vCPU and a device) touching the same
/// piece fill it once, and neither goes on before it is whole.
void fill_piece(Vm& vm, u64 piece) {
    LockGuard guard(vm.fill_lock);
    if (vm_piece_filled(vm, piece)) return;
    const u64 off = piece * RAM_FILL_PIECE;
    const u64 n = piece_bytes(vm, piece);
    vm_fill_bytes(vm, off, n);
    arch::forget_instructions(); // (a piece of zeros cleans no image part, which would have done it)
    // The tables were made at boot (vm_create: Stage2Table::prepare), so an
    // empty pool is enough: the hypervisor takes no memory once VMs run.
    PageAllocator none;
    if (vm.stage2.map(vm.ram.base + off, vm.ram_pa + off, n, VM_RAM_ATTRS, none) != Status::ok)
        arch::panic("vm %s: its RAM at IPA %#llx cannot be mapped", vm.name(),
                    static_cast<unsigned long long>((vm.ram.base + off).raw()));
    // (Published after the mapping: whoever sees the bit finds it mapped.)
    __atomic_fetch_or(&vm.filled[piece / 64], 1ull << (piece % 64), __ATOMIC_RELEASE);
}

} // namespace

TESSERA_BOOT_ONLY bool ram_fill_lent() { return true; }

bool vm_fill_touched(Vm& vm, Ipa ipa) {
    if (!vm.fill_lazily || ipa < vm.ram.base || ipa - vm.ram.base >= vm.ram.size) return false;
    // (Filled already: another core filled it since this access faulted,
    // and the access now finds it mapped. The caller passes translation
    // faults only, which a mapped piece does not make.)
    fill_piece(vm, (ipa - vm.ram.base) / RAM_FILL_PIECE);
    return true;
}

void vm_fill_range(Vm& vm, u64 off, u64 len) {
    if (len == 0) return;
    for (u64 piece = off / RAM_FILL_PIECE; piece <= (off + len - 1) / RAM_FILL_PIECE; ++piece) {
        if (!vm_piece_filled(vm, piece)) fill_piece(vm, piece);
    }
}

void vm_unfill(Vm& vm) {
    LockGuard guard(vm.fill_lock);
    const u64 pieces = vm_ram_pieces(vm);
    bool any = false;
    for (u64 piece = 0; piece < pieces; ++piece) {
        if (!vm_piece_filled(vm, piece)) continue;
        const u64 off = piece * RAM_FILL_PIECE;
        const u64 n = piece_bytes(vm, piece);
        // (Whole leaves: fill_piece mapped exactly these. A piece left
        // mapped while marked unfilled would keep the last run's bytes.)
        if (vm.stage2.unmap(vm.ram.base + off, n) != Status::ok)
            arch::panic("vm %s: its RAM at IPA %#llx cannot be unmapped", vm.name(),
                        static_cast<unsigned long long>((vm.ram.base + off).raw()));
        any = true;
    }
    for (u64 w = 0; w < (pieces + 63) / 64; ++w) __atomic_store_n(&vm.filled[w], 0, __ATOMIC_RELEASE);
    if (any) arch::stage2_forget(vm);
}

} // namespace tessera

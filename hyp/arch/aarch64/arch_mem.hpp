// arch_mem.hpp (aarch64) — EL2 runs identity mapped, so a physical address is its own pointer.
#pragma once

#include "addr.hpp"

namespace tessera::arch {

/// Pointer to physical address `pa` in the hypervisor's identity map.
inline void* phys_to_ptr(PhysAddr pa) { return reinterpret_cast<void*>(pa.raw()); }
/// Physical address of hypervisor object `p`.
inline PhysAddr ptr_to_phys(const void* p) { return PhysAddr(reinterpret_cast<u64>(p)); }

/// Stores a live translation table entry so the table walker sees it whole and
/// after everything it points to (the walker is an observer of memory too).
inline void publish_table_entry(u64* slot, u64 value) {
    asm volatile("dsb ishst" ::: "memory");
    *reinterpret_cast<volatile u64*>(slot) = value;
    asm volatile("dsb ishst" ::: "memory");
}

/// Writes a leaf into a table entry that was invalid; table_entries_written()
/// makes a run of them visible to the table walker at once.
inline void write_table_entry(u64* slot, u64 value) { *reinterpret_cast<volatile u64*>(slot) = value; }

/// Makes the entries write_table_entry() wrote visible to the table walker.
inline void table_entries_written() { asm volatile("dsb ishst" ::: "memory"); }

} // namespace tessera::arch

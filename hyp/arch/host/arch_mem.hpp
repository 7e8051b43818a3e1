// arch_mem.hpp (host fake) — physical memory is a host buffer, so core table code runs in unit tests.
#pragma once

#include "addr.hpp"

namespace tessera::arch {

/// The fake machine's RAM: `size` bytes starting at physical address `base`.
void fake_ram_init(PhysAddr base, u64 size);
/// A host pointer to fake physical address `pa` (aborts the test if outside fake RAM).
void* phys_to_ptr(PhysAddr pa);
/// Stores a table entry; on the host a plain store.
inline void publish_table_entry(u64* slot, u64 value) { *slot = value; }
inline void write_table_entry(u64* slot, u64 value) { *slot = value; }
inline void table_entries_written() {}

} // namespace tessera::arch

// page_alloc.hpp — boot-time allocator of physical pages from the board's free RAM.
#pragma once

#include "addr.hpp"
#include "status.hpp"

namespace tessera {

/// Hands out naturally aligned runs of physical pages from a set of free ranges.
///
/// Tessera allocates only while it boots (tables, VM memory), so there is no
/// free(): what a VM gets is its own until the machine powers off, and a VM
/// restart reuses the same pages. First fit, lowest address first.
class PageAllocator {
public:
    static constexpr usize MAX_RANGES = 16;

    /// Adds `r` (shrunk to whole pages) to the free pool. Fails with `invalid`
    /// if it overlaps a range already added, `no_memory` if the table is full.
    Status add_range(PhysRange r);

    /// Removes `r` (grown to whole pages) from the free pool, e.g. the image
    /// or the device tree. Parts of `r` that are not free are ignored.
    Status reserve(PhysRange r);

    /// Takes `size` bytes (rounded up to pages) aligned to `align` (a power of
    /// two, at least a page). The memory is not cleared.
    Result<PhysAddr> alloc(u64 size, u64 align = PAGE_SIZE);

    /// Bytes still free.
    [[nodiscard]] u64 free_bytes() const;
    /// Number of disjoint free ranges (for tests and the boot report).
    [[nodiscard]] usize range_count() const { return count_; }

private:
    Status insert(PhysRange r);
    void remove_at(usize i);

    PhysRange ranges_[MAX_RANGES]{};
    usize count_ = 0;
};

} // namespace tessera

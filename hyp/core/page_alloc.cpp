// page_alloc.cpp — boot-time allocator of physical pages.
#include "page_alloc.hpp"

#include "boot_only.hpp"

namespace tessera {

Status PageAllocator::insert(PhysRange r) {
    if (r.size == 0) return Status::ok;
    if (count_ == MAX_RANGES) return Status::no_memory;
    // Keep the table sorted by base so that first fit means lowest address.
    usize i = count_;
    while (i > 0 && ranges_[i - 1].base > r.base) {
        ranges_[i] = ranges_[i - 1];
        --i;
    }
    ranges_[i] = r;
    ++count_;
    return Status::ok;
}

void PageAllocator::remove_at(usize i) {
    for (usize j = i; j + 1 < count_; ++j) ranges_[j] = ranges_[j + 1];
    --count_;
}

TESSERA_BOOT_ONLY Status PageAllocator::add_range(PhysRange r) {
    const u64 base = align_up(r.base.raw(), PAGE_SIZE);
    const u64 end = align_down(r.end().raw(), PAGE_SIZE);
    if (end <= base) return Status::ok;
    const PhysRange pages{PhysAddr(base), end - base};
    for (usize i = 0; i < count_; ++i) {
        if (ranges_[i].overlaps(pages)) return Status::invalid;
    }
    return insert(pages);
}

Status PageAllocator::reserve(PhysRange r) {
    const u64 base = align_down(r.base.raw(), PAGE_SIZE);
    const u64 end = align_up(r.end().raw(), PAGE_SIZE);
    const PhysRange cut{PhysAddr(base), end - base};
    for (usize i = 0; i < count_;) {
        const PhysRange f = ranges_[i];
        if (!f.overlaps(cut)) {
            ++i;
            continue;
        }
        remove_at(i);
        const PhysRange below{f.base, cut.base > f.base ? cut.base - f.base : 0};
        const PhysRange above{cut.end(), f.end() > cut.end() ? f.end() - cut.end() : 0};
        if (Status s = insert(below); s != Status::ok) return s;
        if (Status s = insert(above); s != Status::ok) return s;
        // The pieces cannot overlap `cut` again; restart the scan from the
        // beginning since insertion reordered the table.
        i = 0;
    }
    return Status::ok;
}

Result<PhysAddr> PageAllocator::alloc(u64 size, u64 align) {
    if (size == 0 || align < PAGE_SIZE || (align & (align - 1)) != 0) return Status::invalid;
    size = align_up(size, PAGE_SIZE);
    for (usize i = 0; i < count_; ++i) {
        const PhysRange f = ranges_[i];
        const u64 start = align_up(f.base.raw(), align);
        if (start < f.base.raw() || start + size < start || start + size > f.end().raw()) continue;
        const PhysRange taken{PhysAddr(start), size};
        // Splitting may need one more slot; fail cleanly before changing anything.
        const bool leaves_below = taken.base > f.base;
        const bool leaves_above = taken.end() < f.end();
        if (leaves_below && leaves_above && count_ == MAX_RANGES) return Status::no_memory;
        if (Status s = reserve(taken); s != Status::ok) return s;
        return taken.base;
    }
    return Status::no_memory;
}

u64 PageAllocator::free_bytes() const {
    u64 total = 0;
    for (usize i = 0; i < count_; ++i) total += ranges_[i].size;
    return total;
}

} // namespace tessera

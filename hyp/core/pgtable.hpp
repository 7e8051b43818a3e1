// pgtable.hpp — AArch64 VMSAv8-64 translation tables, 4 KiB granule, 39-bit input, levels 1–3.
//
// One walker serves both the hypervisor's own EL2 stage-1 tables and every
// VM's stage-2 tables; a Format supplies only the leaf attribute encoding.
#pragma once

#include "addr.hpp"
#include "arch_mem.hpp"
#include "page_alloc.hpp"
#include "status.hpp"

namespace tessera {

/// What a mapping allows and what kind of memory it is.
struct MapAttrs {
    /// tagged: normal memory whose MTE allocation tags EL2 may write (a
    /// board with tag memory: the guests' RAM, scrubbed tags and all).
    enum class Mem : u8 { normal, device, tagged };
    bool read = true;
    bool write = false;
    bool exec = false;
    Mem mem = Mem::normal;

    constexpr bool operator==(const MapAttrs&) const = default;
};

/// The geometry both table formats share.
namespace pt {
inline constexpr unsigned INPUT_BITS = 39; ///< T0SZ = 25
inline constexpr unsigned START_LEVEL = 1; ///< 39 bits at 4 KiB: tables at levels 1, 2, 3
inline constexpr unsigned ENTRIES = 512;
inline constexpr u64 VALID = 1ull << 0;
inline constexpr u64 TABLE = 1ull << 1; ///< at levels 1–2: next-level table; at 3: page
inline constexpr u64 AF = 1ull << 10;
inline constexpr u64 SH_INNER = 3ull << 8;
inline constexpr u64 OA_MASK = 0x0000'ffff'ffff'f000ull;

/// Bytes one entry maps at `level`.
constexpr u64 level_size(unsigned level) { return 1ull << (12 + 9 * (3 - level)); }
/// Index into the table at `level` for input address `va`.
constexpr unsigned index(u64 va, unsigned level) {
    return static_cast<unsigned>((va >> (12 + 9 * (3 - level))) & (ENTRIES - 1));
}
static_assert(level_size(1) * ENTRIES == 1ull << INPUT_BITS, "one level-1 table covers the input range");
static_assert(level_size(3) == PAGE_SIZE);
} // namespace pt

/// A result of a lookup: where an input address goes and with what rights.
struct Translation {
    PhysAddr pa{};
    MapAttrs attrs{};
    unsigned level = 0;
};

/// A translation table rooted at one level-1 page; `Format` encodes leaves.
template <typename Format> class PageTable {
public:
    /// The addresses this table translates: `Ipa` for a VM's stage 2,
    /// `VirtAddr` for the hypervisor's own table.
    using In = typename Format::Input;

    /// Allocates and clears the root table.
    Status init(PageAllocator& alloc) {
        auto root = new_table(alloc);
        if (!root.ok()) return root.status();
        root_ = root.value();
        return Status::ok;
    }

    /// Physical address of the root table (for TTBR/VTTBR).
    [[nodiscard]] PhysAddr root() const { return root_; }

    /// Maps [va, va+size) to [pa, pa+size) with `attrs`, using the largest
    /// blocks alignment allows. All three must be page aligned. Fails with
    /// `already_mapped` (and maps nothing more) if any part is mapped already.
    /// The new entries are made visible together, after them: whatever the
    /// mapping exposes must be written (and ordered) before the call.
    Status map(In in, PhysAddr pa, u64 size, MapAttrs attrs, PageAllocator& alloc) {
        u64 va = in.raw();
        if (!is_aligned(va | pa.raw() | size, PAGE_SIZE) || size == 0) return Status::invalid;
        if (va + size < va || va + size > (1ull << pt::INPUT_BITS)) return Status::invalid;
        const u64 encoded = Format::encode(attrs) | pt::AF;
        while (size > 0) {
            const unsigned level = leaf_level(va, pa, size);
            auto table = table_for(va, level, alloc);
            if (!table.ok()) return table.status();
            u64* e = entries(table.value());
            const u64 span = pt::level_size(level);
            const u64 kind = level == 3 ? (pt::TABLE | pt::VALID) : pt::VALID;
            // The leaves of one size that fall in this table, in one run: one
            // walk and one barrier for up to 512 of them (2 MiB of pages).
            Status s = Status::ok;
            do {
                u64& leaf = e[pt::index(va, level)];
                if (leaf & pt::VALID) {
                    s = Status::already_mapped;
                    break;
                }
                arch::write_table_entry(&leaf, pa.raw() | encoded | kind);
                va += span;
                pa = pa + span;
                size -= span;
            } while (size > 0 && pt::index(va, level) != 0 && leaf_level(va, pa, size) == level);
            arch::table_entries_written();
            if (s != Status::ok) return s;
        }
        return Status::ok;
    }

    /// Makes every table map() of [va, va+size) to [pa, pa+size) would walk
    /// through, and maps nothing: map() of any part of it later, split where
    /// that map() would split it (whole leaves), takes no memory. For a VM's
    /// RAM mapped piece by piece while it runs (ram_fill.cpp), when the
    /// hypervisor allocates nothing. Same alignment rules as map().
    Status prepare(In in, PhysAddr pa, u64 size, PageAllocator& alloc) {
        u64 va = in.raw();
        if (!is_aligned(va | pa.raw() | size, PAGE_SIZE) || size == 0) return Status::invalid;
        if (va + size < va || va + size > (1ull << pt::INPUT_BITS)) return Status::invalid;
        while (size > 0) {
            const unsigned level = leaf_level(va, pa, size);
            if (auto table = table_for(va, level, alloc); !table.ok()) return table.status();
            // Over this table's leaves of this size (one walk for them all):
            // to the table's end, or to the last whole leaf of the range
            // (a ragged end takes pages, in a table of its own).
            const u64 span = pt::level_size(level);
            const u64 table_span = span * pt::ENTRIES;
            u64 step = table_span - (va & (table_span - 1));
            if (step > size) step = size & ~(span - 1);
            va += step;
            pa = pa + step;
            size -= step;
        }
        return Status::ok;
    }

    /// Removes the mappings of [va, va+size), which must be whole leaves
    /// (blocks or pages as map() made them); the tables stay, so mapping the
    /// same range again needs no allocation. The caller invalidates the TLBs.
    /// `invalid` (and nothing more removed) at a leaf that straddles the range's
    /// ends, or at a hole.
    Status unmap(In in, u64 size) {
        u64 va = in.raw();
        if (!is_aligned(va | size, PAGE_SIZE) || size == 0 || va + size < va) return Status::invalid;
        const u64 end = va + size;
        while (va < end) {
            PhysAddr table = root_;
            unsigned level = pt::START_LEVEL;
            u64* leaf = nullptr;
            for (; level <= 3; ++level) {
                u64& e = entries(table)[pt::index(va, level)];
                if (!(e & pt::VALID)) return Status::invalid;
                if (level == 3 || !(e & pt::TABLE)) {
                    leaf = &e;
                    break;
                }
                table = PhysAddr(e & pt::OA_MASK);
            }
            const u64 span = pt::level_size(level);
            if (!is_aligned(va, span) || end - va < span) return Status::invalid;
            arch::publish_table_entry(leaf, 0);
            va += span;
        }
        return Status::ok;
    }

    /// Where `va` translates to, or `not_found` if it is not mapped.
    [[nodiscard]] Result<Translation> lookup(In in) const {
        const u64 va = in.raw();
        if (va >= (1ull << pt::INPUT_BITS)) return Status::not_found;
        PhysAddr table = root_;
        for (unsigned level = pt::START_LEVEL; level <= 3; ++level) {
            const u64 e = entries(table)[pt::index(va, level)];
            if (!(e & pt::VALID)) return Status::not_found;
            const bool is_table = level < 3 && (e & pt::TABLE);
            if (!is_table) {
                const u64 off = va & (pt::level_size(level) - 1);
                return Translation{PhysAddr((e & pt::OA_MASK) + off), Format::decode(e), level};
            }
            table = PhysAddr(e & pt::OA_MASK);
        }
        return Status::not_found;
    }

    /// Calls `f(in, pa, size)` for every mapping (leaf) in the table, in
    /// address order: an audit of everything reachable through it.
    template <typename F> void for_each_leaf(F&& f) const { walk(root_, pt::START_LEVEL, 0, f); }

    /// Number of table pages this table uses (for the footprint report).
    [[nodiscard]] usize table_pages() const { return pages_; }

private:
    static u64* entries(PhysAddr table) { return static_cast<u64*>(arch::phys_to_ptr(table)); }

    template <typename F> static void walk(PhysAddr table, unsigned level, u64 base, F& f) {
        for (u64 i = 0; i < pt::ENTRIES; ++i) {
            const u64 e = entries(table)[i];
            if (!(e & pt::VALID)) continue;
            const u64 va = base + i * pt::level_size(level);
            if (level < 3 && (e & pt::TABLE))
                walk(PhysAddr(e & pt::OA_MASK), level + 1, va, f);
            else
                f(In(va), PhysAddr(e & pt::OA_MASK), pt::level_size(level));
        }
    }

    Result<PhysAddr> new_table(PageAllocator& alloc) {
        auto page = alloc.alloc(PAGE_SIZE);
        if (!page.ok()) return page.status();
        u64* e = entries(page.value());
        for (unsigned i = 0; i < pt::ENTRIES; ++i) e[i] = 0;
        ++pages_;
        return page.value();
    }

    /// The largest leaf alignment and `size` allow at `va` (2 MiB blocks at most: 1 GiB blocks are not used).
    static unsigned leaf_level(u64 va, PhysAddr pa, u64 size) {
        unsigned level = pt::START_LEVEL + 1;
        while (level < 3 && !(is_aligned(va | pa.raw(), pt::level_size(level)) && size >= pt::level_size(level))) {
            ++level;
        }
        return level;
    }

    /// The table that holds `va`'s leaf at `leaf_level`, made on the way
    /// where missing; `already_mapped` if a block covers `va` above it.
    Result<PhysAddr> table_for(u64 va, unsigned leaf_level, PageAllocator& alloc) {
        PhysAddr table = root_;
        for (unsigned level = pt::START_LEVEL; level < leaf_level; ++level) {
            u64& e = entries(table)[pt::index(va, level)];
            if (!(e & pt::VALID)) {
                auto next = new_table(alloc);
                if (!next.ok()) return next.status();
                // The new table is cleared before it becomes reachable.
                arch::publish_table_entry(&e, next.value().raw() | pt::TABLE | pt::VALID);
            } else if (!(e & pt::TABLE)) {
                return Status::already_mapped; // a block covers this range
            }
            table = PhysAddr(e & pt::OA_MASK);
        }
        return table;
    }

    PhysAddr root_{};
    usize pages_ = 0;
};

/// Stage-2 leaf encoding (guest IPA to PA), ARM ARM D8.3: S2AP, MemAttr, XN.
struct Stage2Format {
    using Input = Ipa;
    static constexpr u64 S2AP_R = 1ull << 6;
    static constexpr u64 S2AP_W = 1ull << 7;
    static constexpr u64 MEMATTR_NORMAL_WB = 0xfull << 2;
    static constexpr u64 MEMATTR_DEVICE_nGnRE = 0x1ull << 2;
    static constexpr u64 XN = 2ull << 53; ///< XN[1:0] = 0b10: no execution at EL1 or EL0

    static constexpr u64 encode(MapAttrs a) {
        u64 e = pt::SH_INNER;
        if (a.read) e |= S2AP_R;
        if (a.write) e |= S2AP_W;
        e |= a.mem != MapAttrs::Mem::device ? MEMATTR_NORMAL_WB : MEMATTR_DEVICE_nGnRE;
        if (!a.exec) e |= XN;
        return e;
    }
    static constexpr MapAttrs decode(u64 e) {
        return MapAttrs{(e & S2AP_R) != 0, (e & S2AP_W) != 0, (e & XN) == 0,
                        (e & (0xfull << 2)) == MEMATTR_NORMAL_WB ? MapAttrs::Mem::normal : MapAttrs::Mem::device};
    }
};

/// EL2 stage-1 leaf encoding (non-VHE, one range), with MAIR_EL2 index 0 =
/// normal write-back, index 1 = Device-nGnRnE, index 2 = tagged normal
/// write-back (MAIR_TAGGED: a board with MTE's tag memory only; the
/// encoding is reserved elsewhere). AP[1] is RES1 at EL2.
struct El2Format {
    using Input = VirtAddr;
    static constexpr u64 ATTR_NORMAL = 0ull << 2;
    static constexpr u64 ATTR_DEVICE = 1ull << 2;
    static constexpr u64 ATTR_TAGGED = 2ull << 2;
    static constexpr u64 AP1 = 1ull << 6;
    static constexpr u64 AP_RO = 1ull << 7;
    static constexpr u64 XN = 1ull << 54;
    static constexpr u64 MAIR = 0x00ffull;          ///< attr0 = 0xff, attr1 = 0x00
    static constexpr u64 MAIR_TAGGED = 0xf000ffull; ///< and attr2 = 0xf0 (Tagged Normal WB)

    static constexpr u64 encode(MapAttrs a) {
        u64 e = pt::SH_INNER | AP1;
        if (!a.write) e |= AP_RO;
        e |= a.mem == MapAttrs::Mem::normal ? ATTR_NORMAL : a.mem == MapAttrs::Mem::device ? ATTR_DEVICE : ATTR_TAGGED;
        if (!a.exec) e |= XN;
        return e;
    }
    static constexpr MapAttrs decode(u64 e) {
        const u64 index = e & (7ull << 2);
        return MapAttrs{true, (e & AP_RO) == 0, (e & XN) == 0,
                        index == ATTR_NORMAL   ? MapAttrs::Mem::normal
                        : index == ATTR_TAGGED ? MapAttrs::Mem::tagged
                                               : MapAttrs::Mem::device};
    }
};

static_assert(Stage2Format::decode(Stage2Format::encode({true, true, false, MapAttrs::Mem::normal})) ==
              MapAttrs{true, true, false, MapAttrs::Mem::normal});
static_assert(El2Format::decode(El2Format::encode({true, false, true, MapAttrs::Mem::normal})) ==
              MapAttrs{true, false, true, MapAttrs::Mem::normal});

using Stage2Table = PageTable<Stage2Format>;
using El2Table = PageTable<El2Format>;

} // namespace tessera

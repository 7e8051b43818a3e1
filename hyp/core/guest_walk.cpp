// guest_walk.cpp — a guest's own stage-1 translation, walked in software through its RAM only (4 KiB granule).
#include "guest_walk.hpp"

namespace tessera {

namespace {

constexpr u64 OUTPUT_ADDRESS = 0x0000'ffff'ffff'f000ull; // a descriptor's or TTBR's address bits (48-bit)

/// The 8-byte descriptor at `ipa`, if it lies in the VM's RAM.
bool read_descriptor(Vm& vm, u64 ipa, u64& out) {
    const u8* p = (ipa & 7) == 0 ? vm_ram_at(vm, ipa, 8) : nullptr;
    if (p == nullptr) return false;
    out = *reinterpret_cast<const u64*>(p);
    return true;
}

} // namespace

bool guest_va_to_ipa(Vm& vm, const Stage1Regs& r, u64 va, u64& ipa) {
    constexpr u64 SCTLR_M = 1, SCTLR_EE = 1ull << 25;
    if ((r.sctlr & SCTLR_M) == 0) {
        ipa = va;
        return true;
    }
    if ((r.sctlr & SCTLR_EE) != 0) return false;
    // TTBR0 for the lower range, TTBR1 for the upper (VA bit 55), each with
    // its size (TnSZ), granule (TG0 0b00, TG1 0b10: 4 KiB) and walk disable.
    const bool upper = (va >> 55 & 1) != 0;
    const unsigned txsz = static_cast<unsigned>(upper ? r.tcr >> 16 : r.tcr) & 0x3f;
    const bool granule_4k = upper ? (r.tcr >> 30 & 3) == 2 : (r.tcr >> 14 & 3) == 0;
    const bool disabled = (r.tcr >> (upper ? 23 : 7) & 1) != 0;
    if (!granule_4k || disabled || txsz < 16 || txsz > 39) return false;
    const unsigned input_bits = 64 - txsz;
    // Every bit above the range must match bit 55's range: all 0 or all 1.
    const u64 top = va >> input_bits;
    if (top != (upper ? (~0ull >> input_bits) : 0)) return false;
    unsigned level = 4 - (input_bits - 12 + 8) / 9; // 9 bits a level below the 12-bit page offset
    u64 table = (upper ? r.ttbr1 : r.ttbr0) & OUTPUT_ADDRESS;
    for (;; ++level) {
        const unsigned shift = 12 + 9 * (3 - level);
        const unsigned bits = input_bits - shift < 9 ? input_bits - shift : 9;
        const u64 index = (va >> shift) & ((1ull << bits) - 1);
        u64 desc = 0;
        if (!read_descriptor(vm, table + index * 8, desc) || (desc & 1) == 0) return false;
        const bool table_or_page = (desc & 2) != 0;
        if (level == 3) {
            if (!table_or_page) return false; // (a block at level 3 is reserved)
            ipa = (desc & OUTPUT_ADDRESS) | (va & 0xfff);
            return true;
        }
        if (!table_or_page) { // a block: 1 GiB at level 1, 2 MiB at level 2
            if (level == 0) return false;
            const u64 span = 1ull << shift;
            ipa = (desc & OUTPUT_ADDRESS & ~(span - 1)) | (va & (span - 1));
            return true;
        }
        table = desc & OUTPUT_ADDRESS;
    }
}

} // namespace tessera

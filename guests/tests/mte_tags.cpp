// mte_tags.cpp — a VM with MTE finds none of its last run's allocation tags once restarted, its RAM scrubbed lazily
// or eagerly (tests/system: mte_tags_scrubbed).
//
// The first run makes its RAM Tagged at stage 1 (MAIR_EL1 attribute 0 →
// 0xF0, SCTLR_EL1.ATA), sets tag 0xA with STG on a granule in each of two
// 2 MiB pieces of its RAM — the one its image is in, and one nothing else
// touches — checks that LDG reads each back, and fails (exit code 3): its
// policy restarts it. The second run reads both tags: each must be 0, as on
// a board just powered on; then sets and reads them again (tags still work).
#include "kit.hpp"

using tessera::u64;

namespace {

constexpr u64 GRANULES[] = {0x4010'0000, 0x4030'0000};

/// Its RAM as Tagged Normal memory, and tag accesses allowed at EL1.
void tagged_ram() {
    u64 mair = 0, sctlr = 0;
    asm volatile("mrs %0, mair_el1" : "=r"(mair));
    asm volatile("msr mair_el1, %0; dsb ish; tlbi vmalle1; dsb ish; isb" ::"r"((mair & ~0xffull) | 0xf0) : "memory");
    asm volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    asm volatile("msr sctlr_el1, %0; isb" ::"r"(sctlr | 1ull << 43) : "memory"); // ATA
}

u64 load_tag(u64 at) {
    u64 v = at;
    asm volatile("ldg %0, [%1]" : "+r"(v) : "r"(at) : "memory");
    return (v >> 56) & 0xf;
}

void store_tag(u64 at, u64 tag) { asm volatile("stg %0, [%1]" ::"r"(at | tag << 56), "r"(at) : "memory"); }

} // namespace

int main() {
    tagged_ram();
    if (kit::vm_info().restarts == 0) {
        for (const u64 at : GRANULES) {
            store_tag(at, 0xa);
            kit::check(load_tag(at) == 0xa, "a tag set reads back");
        }
        kit::print("mte tags: set, failing to be restarted\n");
        return 3;
    }
    for (const u64 at : GRANULES) {
        const u64 tag = load_tag(at);
        kit::print("mte tags: granule %#llx has tag %llu\n", static_cast<unsigned long long>(at),
                   static_cast<unsigned long long>(tag));
        kit::check(tag == 0, "no tag of the last run survived");
    }
    // Tags still work in this run (0 read above is not tags turned off).
    for (const u64 at : GRANULES) {
        store_tag(at, 0x5);
        kit::check(load_tag(at) == 0x5, "a tag set in the second run reads back");
    }
    kit::pass();
}

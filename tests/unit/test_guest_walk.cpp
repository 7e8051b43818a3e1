// test_guest_walk.cpp — a guest's stage-1 translation walked in software through its RAM: 4 KiB pages and blocks,
// both halves, the MMU off, and every way a walk must fail rather than read outside the VM.
#include <gtest/gtest.h>

#include "arch_mem.hpp"
#include "fake_system.hpp"
#include "guest_walk.hpp"

using namespace tessera;
using tessera::test::FakeSystem;

namespace {

constexpr u64 RAM = 0x4000'0000; // the fake VM's IPA base (2 MiB)
constexpr u64 L1 = RAM + 0x10'0000, L2 = RAM + 0x10'1000, L3 = RAM + 0x10'2000;
constexpr u64 TABLE = 3, PAGE = 3, BLOCK = 1;
constexpr u64 T0SZ_39 = 25, T1SZ_39 = 25ull << 16, TG1_4K = 2ull << 30, EPD0 = 1ull << 7;

u64& entry(Vm& vm, u64 ipa) {
    return *reinterpret_cast<u64*>(vm_ram_at(vm, ipa, 8)); // (as the guest writes it: filled first)
}

} // namespace

TEST(GuestWalk, PagesAndBlocksThroughEitherHalf) {
    FakeSystem sys({{"vm", {1}}});
    Vm& vm = sys.vm(0);
    ASSERT_EQ(vm.ram.base.raw(), RAM);
    // VA 0x0040_3000 (L1 index 0, L2 index 2, L3 index 3) -> IPA RAM + 0x5000;
    // VA 0x0020_0000.. a 2 MiB block at L2 index 1 -> IPA RAM.
    entry(vm, L1 + 0 * 8ull) = L2 | TABLE;
    entry(vm, L2 + 2 * 8ull) = L3 | TABLE;
    entry(vm, L3 + 3 * 8ull) = (RAM + 0x5000) | PAGE;
    entry(vm, L2 + 1 * 8ull) = RAM | BLOCK;
    const Stage1Regs lower{1, T0SZ_39 | T1SZ_39 | TG1_4K, L1, L1};
    u64 ipa = 0;
    ASSERT_TRUE(guest_va_to_ipa(vm, lower, 0x0040'3abc, ipa));
    EXPECT_EQ(ipa, RAM + 0x5abc);
    ASSERT_TRUE(guest_va_to_ipa(vm, lower, 0x0021'2344, ipa));
    EXPECT_EQ(ipa, RAM + 0x1'2344);
    // The upper half (bit 55 set, every bit above the 39 the same) walks TTBR1.
    ASSERT_TRUE(guest_va_to_ipa(vm, lower, 0xffff'ff80'0040'3008, ipa));
    EXPECT_EQ(ipa, RAM + 0x5008);
    // The MMU off: the VA is the IPA.
    ASSERT_TRUE(guest_va_to_ipa(vm, Stage1Regs{0, 0, 0, 0}, 0x1234'5678, ipa));
    EXPECT_EQ(ipa, 0x1234'5678u);
}

TEST(GuestWalk, FailsRatherThanReadOutsideTheVm) {
    FakeSystem sys({{"vm", {1}}});
    Vm& vm = sys.vm(0);
    entry(vm, L1) = L2 | TABLE;
    entry(vm, L2) = 0x7000'0000 | TABLE; // the next table outside its RAM
    const Stage1Regs r{1, T0SZ_39 | T1SZ_39 | TG1_4K, L1, L1};
    u64 ipa = 0;
    EXPECT_FALSE(guest_va_to_ipa(vm, r, 0x0000'0123, ipa));                                     // its table outside
    EXPECT_FALSE(guest_va_to_ipa(vm, r, 0x0000'4000'0000, ipa));                                // an invalid descriptor
    EXPECT_FALSE(guest_va_to_ipa(vm, Stage1Regs{1, T0SZ_39, 0x7fff'f000, 0}, 0, ipa));          // its root outside
    EXPECT_FALSE(guest_va_to_ipa(vm, r, 0x0080'0000'0000, ipa));                                // past the 39-bit range
    EXPECT_FALSE(guest_va_to_ipa(vm, Stage1Regs{1, T0SZ_39 | EPD0, L1, L1}, 0x123, ipa));       // walks disabled
    EXPECT_FALSE(guest_va_to_ipa(vm, Stage1Regs{1, T0SZ_39 | 1ull << 14, L1, L1}, 0x123, ipa)); // 64 KiB granule
    entry(vm, L2) = L3 | TABLE;
    entry(vm, L3) = RAM | BLOCK; // a block at level 3: reserved
    EXPECT_FALSE(guest_va_to_ipa(vm, r, 0x0000'0123, ipa));
}

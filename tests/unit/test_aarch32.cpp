// test_aarch32.cpp — stepping a 32-bit process past a trapped instruction: the condition codes and the IT block.
#include <gtest/gtest.h>

#include "aarch32.hpp"

using namespace tessera;
using namespace tessera::aarch32;

namespace {

constexpr u64 N = 1ull << 31, Z = 1ull << 30, C = 1ull << 29, V = 1ull << 28;
constexpr u64 USR_THUMB = 0x10 | 0x20; // AArch32 User mode, T32

/// SPSR with IT[7:0] = `it` (IT[7:2] in bits 15:10, IT[1:0] in bits 26:25).
constexpr u64 with_it(u64 spsr, u32 it) {
    return spsr | static_cast<u64>(it & 0xfc) << 8 | static_cast<u64>(it & 3) << 25;
}
constexpr u32 it_of(u64 spsr) { return static_cast<u32>((spsr >> 8) & 0xfc) | static_cast<u32>((spsr >> 25) & 3); }

} // namespace

// Each of the 16 conditions against the flags that make it hold and fail
// (the Arm ARM's ConditionHolds), and 0b1111 holds always.
TEST(Aarch32, ConditionsHoldAsTheArchitectureSays) {
    struct Case {
        u32 cond;
        u64 holds, fails;
    };
    const Case cases[] = {
        {0x0, Z, 0},
        {0x1, 0, Z},
        {0x2, C, 0},
        {0x3, 0, C},
        {0x4, N, 0},
        {0x5, 0, N},
        {0x6, V, 0},
        {0x7, 0, V},
        {0x8, C, C | Z},
        {0x9, C | Z, C},
        {0xa, N | V, N},
        {0xb, N, N | V},
        {0xc, N | V, N | V | Z},
        {0xd, Z, 0},
        {0xe, 0, 0},
        {0xf, N | Z | C | V, 0},
    };
    for (const Case& k : cases) {
        EXPECT_TRUE(condition_passed(k.cond, USR_THUMB | k.holds)) << "cond " << k.cond;
        if (k.cond < 0xe) {
            EXPECT_FALSE(condition_passed(k.cond, USR_THUMB | k.fails)) << "cond " << k.cond;
        }
    }
    EXPECT_TRUE(from_aarch32(USR_THUMB));
    EXPECT_FALSE(from_aarch32(0x3c5)); // EL1h, AArch64
}

// ITTE EQ (IT = 0x06): the three instructions run under EQ, EQ, NE; after
// the third the block is over. Outside a block nothing changes, and the
// flags and mode bits are kept.
TEST(Aarch32, ItAdvanceWalksTheBlock) {
    u64 spsr = with_it(USR_THUMB | Z | C, 0x06);
    EXPECT_EQ(it_condition(spsr), 0x0u); // EQ
    spsr = it_advance(spsr);
    EXPECT_EQ(it_of(spsr), 0x0cu);
    EXPECT_EQ(it_condition(spsr), 0x0u); // EQ
    spsr = it_advance(spsr);
    EXPECT_EQ(it_of(spsr), 0x18u);
    EXPECT_EQ(it_condition(spsr), 0x1u); // NE
    spsr = it_advance(spsr);
    EXPECT_EQ(it_of(spsr), 0u);
    EXPECT_EQ(it_condition(spsr), 0xeu); // outside: always
    EXPECT_EQ(spsr, USR_THUMB | Z | C);
    EXPECT_EQ(it_advance(spsr), spsr);

    // IT GT with one instruction (IT = 0xc8): over after it.
    EXPECT_EQ(it_condition(with_it(USR_THUMB, 0xc8)), 0xcu);
    EXPECT_EQ(it_advance(with_it(USR_THUMB | N, 0xc8)), USR_THUMB | N);
}

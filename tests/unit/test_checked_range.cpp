// test_checked_range.cpp — the shared range rule at its edges: empty ranges, the last byte, and numbers whose sum
// wraps past 2^64.
#include <gtest/gtest.h>

#include "checked_range.hpp"

using namespace tessera;

namespace {

constexpr u64 MAX = ~0ull;

TEST(CheckedRange, EdgesAndWraps) {
    EXPECT_TRUE(fits_within(0, 0, 0));
    EXPECT_TRUE(fits_within(0, 4096, 4096));
    EXPECT_TRUE(fits_within(4096, 0, 4096)); // empty, at the very end
    EXPECT_FALSE(fits_within(4097, 0, 4096));
    EXPECT_FALSE(fits_within(1, 4096, 4096));
    EXPECT_FALSE(fits_within(4096, 1, 4096));
    EXPECT_TRUE(fits_within(MAX, 0, MAX));
    EXPECT_TRUE(fits_within(0, MAX, MAX));
    // offset + size wraps to something small: a sum would have passed these.
    EXPECT_FALSE(fits_within(16, MAX - 8, 4096));
    EXPECT_FALSE(fits_within(MAX - 8, 16, 4096));
    EXPECT_FALSE(fits_within(1ull << 63, 1ull << 63, MAX - 1));
}

TEST(CheckedRange, InsideAnotherRange) {
    constexpr u64 RAM = 0x4000'0000, SIZE = 2ull << 20;
    EXPECT_TRUE(fits_inside(RAM, SIZE, RAM, SIZE));
    EXPECT_TRUE(fits_inside(RAM + SIZE - 8, 8, RAM, SIZE));
    EXPECT_FALSE(fits_inside(RAM + SIZE - 8, 9, RAM, SIZE));
    EXPECT_FALSE(fits_inside(RAM - 1, 1, RAM, SIZE));        // below
    EXPECT_FALSE(fits_inside(RAM + 16, MAX - 8, RAM, SIZE)); // wraps
    EXPECT_FALSE(fits_inside(MAX - 4, 8, RAM, SIZE));
}

} // namespace

// test_ticks.cpp — counter ticks to microseconds and back, exact and without overflow over a counter's lifetime.
#include <gtest/gtest.h>

#include "ticks.hpp"

using namespace tessera;

namespace {

constexpr u64 GHZ = 1'000'000'000, QEMU = 62'500'000;

TEST(Ticks, ConvertsExactlyWhereTheRatioAllows) {
    EXPECT_EQ(ticks_to_us(62'500'000, QEMU), 1'000'000u);
    EXPECT_EQ(ticks_to_us(62, QEMU), 0u); // below a microsecond
    EXPECT_EQ(ticks_to_us(63, QEMU), 1u);
    EXPECT_EQ(us_to_ticks(1000, QEMU), 62'500u);
    EXPECT_EQ(us_to_ticks(1, GHZ), 1000u);
}

TEST(Ticks, NoOverflowAfterHoursOrYears) {
    // The plain formula (ticks * 1e6 / freq) wraps after ~5.1 hours at 1 GHz.
    const u64 six_hours = 6ull * 3600 * GHZ;
    EXPECT_EQ(ticks_to_us(six_hours, GHZ), 6ull * 3600 * 1'000'000);
    const u64 ten_years = 10ull * 365 * 24 * 3600 * GHZ;
    EXPECT_EQ(ticks_to_us(ten_years, GHZ), 10ull * 365 * 24 * 3600 * 1'000'000);
    EXPECT_EQ(us_to_ticks(10ull * 365 * 24 * 3600 * 1'000'000, GHZ), ten_years);
}

TEST(Ticks, RoundTripsLoseLessThanAMicrosecond) {
    // Both ways round down (62.5 ticks per microsecond at QEMU's rate).
    for (u64 us : {0ull, 1ull, 999ull, 1'000'001ull, 123'456'789'012ull}) {
        const u64 back = ticks_to_us(us_to_ticks(us, QEMU), QEMU);
        EXPECT_LE(back, us) << us;
        EXPECT_GE(back + 1, us) << us;
    }
}

} // namespace

// test_format.cpp — the freestanding printf.
#include <gtest/gtest.h>

#include "format.hpp"

using namespace tessera;

namespace {

#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/// format_to into a string; every caller passes a literal format.
std::string fmt(const char* f, auto... args) {
    char buf[128];
    format_to(buf, sizeof buf, f, args...); // NOLINT(clang-diagnostic-format-security)
    return buf;
}

TEST(Format, Integers) {
    EXPECT_EQ(fmt("%d %d %u", 42, -7, 3000000000u), "42 -7 3000000000");
    EXPECT_EQ(fmt("%lld", static_cast<long long>(-9'000'000'000'000)), "-9000000000000");
    EXPECT_EQ(fmt("%llu", 18446744073709551615ull), "18446744073709551615");
}

TEST(Format, HexWithWidthZeroFillAndPrefix) {
    EXPECT_EQ(fmt("%x %X", 0xbeefu, 0xbeefu), "beef BEEF");
    EXPECT_EQ(fmt("%08x", 0x1234u), "00001234");
    EXPECT_EQ(fmt("%#llx", 0x4000'0000ull), "0x40000000");
    EXPECT_EQ(fmt("%#018llx", 0x9600'0010ull), "0x0000000096000010");
    EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(0x1000)), "0x1000");
}

TEST(Format, StringsCharsAndAlignment) {
    EXPECT_EQ(fmt("[%s]", "vm"), "[vm]");
    EXPECT_EQ(fmt("[%5s]", "vm"), "[   vm]");
    EXPECT_EQ(fmt("[%-5s]", "vm"), "[vm   ]");
    EXPECT_EQ(fmt("x%-2u|", 3u), "x3 |");
    EXPECT_EQ(fmt("%c%c", 'o', 'k'), "ok");
    EXPECT_EQ(fmt("%s", static_cast<const char*>(nullptr)), "(null)");
    EXPECT_EQ(fmt("100%%"), "100%");
}

TEST(Format, TruncatesToTheBufferAndTerminates) {
    char buf[6];
    const usize n = format_to(buf, sizeof buf, "%s", "overflowing");
    EXPECT_EQ(n, 5u);
    EXPECT_STREQ(buf, "overf");
}

} // namespace

// test_console.cpp — per-VM output is printed a whole tagged line at a time.
#include <gtest/gtest.h>

#include <string>

#include "console.hpp"

using namespace tessera;

namespace {

std::string g_out;
void capture(char c) { g_out += c; }

class ConsoleTest : public ::testing::Test {
protected:
    void SetUp() override {
        g_out.clear();
        console_init(capture);
    }
};

TEST_F(ConsoleTest, LinesAreTaggedAndHeldUntilComplete) {
    LineBuffer b;
    b.write("linux-a", "hel", 3);
    EXPECT_EQ(g_out, "");
    b.write("linux-a", "lo\nwor", 6);
    EXPECT_EQ(g_out, "[linux-a] hello\r\n");
    b.flush("linux-a");
    EXPECT_EQ(g_out, "[linux-a] hello\r\n[linux-a] wor\r\n");
}

TEST_F(ConsoleTest, TwoVmsNeverShareALine) {
    LineBuffer a, b;
    a.write("a", "one ", 4);
    b.write("b", "two\n", 4);
    a.write("a", "three\n", 6);
    EXPECT_EQ(g_out, "[b] two\r\n[a] one three\r\n");
}

TEST_F(ConsoleTest, OverlongLinesAreSplitNotLost) {
    LineBuffer b;
    std::string big(300, 'x');
    big += '\n';
    b.write("v", big.data(), big.size());
    size_t xs = 0;
    for (char c : g_out) xs += c == 'x';
    EXPECT_EQ(xs, 300u);
    EXPECT_EQ(g_out.rfind("[v] ", 0), 0u);
}

TEST_F(ConsoleTest, HypervisorLinesCarryTheirTag) {
    log("vm %s: %s", "rtos", "ready");
    EXPECT_EQ(g_out, "[tessera] vm rtos: ready\r\n");
}

} // namespace

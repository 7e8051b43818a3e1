// test_console.cpp — console rows: shown as they are typed, tagged once per row, never mixed between sources.
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
    static void put(ConsoleStream& s, const char* tag, const std::string& bytes) {
        s.write(tag, bytes.data(), bytes.size());
    }
};

TEST_F(ConsoleTest, BytesAppearAtOnceAndTheTagOncePerRow) {
    ConsoleStream b;
    put(b, "linux-a", "/ # ");
    EXPECT_EQ(g_out, "[linux-a] / # "); // a prompt shows before any newline
    put(b, "linux-a", "l");
    put(b, "linux-a", "s\r\nbin  dev\r\n");
    EXPECT_EQ(g_out, "[linux-a] / # ls\r\n[linux-a] bin  dev\r\n");
}

// "\r\x1b[K": back to the row's start, erase it (the row is kept, to be shown again).
TEST_F(ConsoleTest, AnotherSourceTakesTheRowOffTheScreenAndItComesBackWhole) {
    ConsoleStream a, b;
    put(a, "a", "/ # ec");
    put(b, "b", "boot message\n");
    put(a, "a", "ho\n");
    EXPECT_EQ(g_out, "[a] / # ec\r\x1b[K[b] boot message\r\n[a] / # echo\r\n");
}

TEST_F(ConsoleTest, HypervisorLinesNeverJoinAGuestRow) {
    ConsoleStream a;
    put(a, "a", "/ # ");
    log("vm %s: %s", "rtos", "ready");
    EXPECT_EQ(g_out, "[a] / # \r\x1b[K[tessera] vm rtos: ready\r\n");
}

TEST_F(ConsoleTest, TwoVcpuStreamsOfOneVmNeverShareARow) {
    ConsoleStream cpu0, cpu1; // hypercall rows: shown whole
    cpu0.write_lines("vm", "vcpu 0 says ", 12);
    cpu1.write_lines("vm", "vcpu 1 says hi\n", 15);
    cpu0.write_lines("vm", "hello\n", 6);
    EXPECT_EQ(g_out, "[vm] vcpu 1 says hi\r\n[vm] vcpu 0 says hello\r\n");
}

TEST_F(ConsoleTest, ALoneCarriageReturnRedrawsTheRowAfterItsTag) {
    ConsoleStream a;
    put(a, "a", "/ # abc");
    put(a, "a", "\r/ # ab");
    EXPECT_EQ(g_out, "[a] / # abc\r[a] / # ab");
    put(a, "a", "\r\n");
    EXPECT_EQ(g_out, "[a] / # abc\r[a] / # ab\r\n");
}

TEST_F(ConsoleTest, BackspaceAndEscapesPassThrough) {
    ConsoleStream a;
    put(a, "a", "/ # lx\b \b\x1b[Js\n");
    EXPECT_EQ(g_out, "[a] / # lx\b \b\x1b[Js\r\n");
}

// A guest's terminal controls: what a shell's line editing needs is obeyed;
// anything that could reach past its own row — the tag before it, the rows
// above, the terminal's title or bell — is shown as text instead.
TEST_F(ConsoleTest, AGuestCannotMoveIntoItsTagOrOtherRows) {
    ConsoleStream a;
    put(a, "a", "ab\b\b\b\bX\n"); // two backspaces reach the row's start, two more do nothing
    EXPECT_EQ(g_out, "[a] ab\b\bX\r\n");
    g_out.clear();
    put(a, "a", "abc\x1b[3D\x1b[4Dtessera] forged\n"); // back 3 is the row's start; 4 more is the tag
    EXPECT_EQ(g_out, "[a] abc\x1b[3D^[[4Dtessera] forged\r\n");
    g_out.clear();
    put(a, "a", "\x1b[2A\x1b[1;1Hx\x1b]0;title\x07y\x07\n"); // up, home, a title, the bell
    EXPECT_EQ(g_out, "[a] ^[[2A^[[1;1Hx^[]0;title^Gy^G\r\n");
    g_out.clear();
    put(a, "a", "\x1b[1;31mred\x1b[0m\x1b[K\x1b[J\x1b[6n\n"); // colours, erasing, the cursor query
    EXPECT_EQ(g_out, "[a] \x1b[1;31mred\x1b[0m\x1b[K\x1b[J\x1b[6n\r\n");
    g_out.clear();
    a.write_lines("a", "hi\x1b[2J\b\tthere\n", 16); // the hypercall console: text only
    EXPECT_EQ(g_out, "[a] hi^[[2J^H^Ithere\r\n");
}

TEST_F(ConsoleTest, BlankRowsKeepTheirTag) {
    ConsoleStream a;
    put(a, "a", "\n\n");
    EXPECT_EQ(g_out, "[a] \r\n[a] \r\n");
}

TEST_F(ConsoleTest, OverlongRowsAreContinuedNotLost) {
    ConsoleStream b;
    std::string big(300, 'x');
    big += '\n';
    put(b, "v", big);
    size_t xs = 0;
    for (char c : g_out) xs += c == 'x';
    EXPECT_EQ(xs, 300u);
    EXPECT_EQ(g_out.rfind("[v] ", 0), 0u);
    EXPECT_NE(g_out.find("\r\n[v] x"), std::string::npos);
}

TEST_F(ConsoleTest, FlushEndsAnOpenRowAndForgetsIt) {
    ConsoleStream a;
    put(a, "a", "half");
    a.flush("a");
    put(a, "a", "new\n");
    EXPECT_EQ(g_out, "[a] half\r\n[a] new\r\n");
}

TEST_F(ConsoleTest, FlushShowsARowAnotherSourceHadTakenOff) {
    ConsoleStream a, b;
    put(a, "a", "last words");
    put(b, "b", "x\n");
    a.flush("a"); // the VM stopped: what it said stays on the screen
    EXPECT_EQ(g_out, "[a] last words\r\x1b[K[b] x\r\n[a] last words\r\n");
}

} // namespace

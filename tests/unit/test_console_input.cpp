// test_console_input.cpp — the console mux: Ctrl-T chooses which VM gets the keyboard.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "console.hpp"

using namespace tessera;

namespace {

std::vector<std::string> g_got(3);
std::string g_log;
bool deliver(unsigned vm, char c) {
    g_got.at(vm) += c;
    return true;
}
const char* name(unsigned vm) {
    static const char* names[] = {"linux-a", "linux-b", "rtos"};
    return names[vm];
}
void capture(char c) { g_log += c; }

void type(const std::string& keys) {
    for (char c : keys) console_input(c, 3, deliver, name);
}

TEST(ConsoleInput, EscapeSwitchesTheFocusAndIsNotDelivered) {
    console_init(capture);
    g_got.assign(3, "");
    type("\x14"
         "1ls\n");
    type("\x14"
         "3ps\n");
    type("\x14"
         "nuname\n"); // next after 3 wraps to 1
    type("\x14\x14"); // a literal Ctrl-T
    EXPECT_EQ(g_got[0], "ls\nuname\n\x14");
    EXPECT_EQ(g_got[1], "");
    EXPECT_EQ(g_got[2], "ps\n");
    EXPECT_NE(g_log.find("[tessera] console: input goes to vm rtos"), std::string::npos);
}

TEST(ConsoleInput, UnknownCommandsAndAbsentVmsChangeNothing) {
    console_init(capture);
    g_got.assign(3, "");
    type("\x14"
         "1");
    g_log.clear();
    type("\x14"
         "x");
    type("\x14"
         "9"); // only 3 VMs: 9 selects nothing new
    type("a");
    EXPECT_EQ(g_got[0], "a");
    EXPECT_NE(g_log.find("is not a command"), std::string::npos);
}

} // namespace

// test_console_input.cpp — the keyboard mux: Ctrl-T commands, focus that skips ended VMs, help and power-off.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "console.hpp"

using namespace tessera;

namespace {

std::string g_log;
void capture(char c) { g_log += c; }

/// Three VMs; `alive` and `room` decide what they accept.
class FakeVms final : public ConsoleTargets {
public:
    std::vector<std::string> got = std::vector<std::string>(3);
    std::vector<bool> alive = {true, true, true};
    std::vector<bool> dead_badly = {false, false, false};
    std::vector<ConsoleStream> streams = std::vector<ConsoleStream>(3);
    bool off = false;

    [[nodiscard]] unsigned count() const override { return 3; }
    [[nodiscard]] const char* name(unsigned vm) const override {
        static const char* names[] = {"linux-a", "linux-b", "rtos"};
        return names[vm];
    }
    [[nodiscard]] const char* state(unsigned vm) const override { return alive[vm] ? "running" : "ended"; }
    [[nodiscard]] bool running(unsigned vm) const override { return alive[vm]; }
    [[nodiscard]] bool failed(unsigned vm) const override { return dead_badly[vm]; }
    bool deliver(unsigned vm, char c) override {
        got.at(vm) += c;
        return true;
    }
    ConsoleStream& stream(unsigned vm) override { return streams.at(vm); }
    void power_off() override { off = true; }
    bool restart(unsigned vm) override {
        restarted.push_back(vm);
        return true;
    }
    std::vector<unsigned> restarted;
};

void type(const std::string& keys) {
    for (char c : keys) console_input(c);
}

class ConsoleInput : public ::testing::Test {
protected:
    void SetUp() override {
        console_init(capture);
        console_input_start(vms);
    }
    FakeVms vms;
};

TEST_F(ConsoleInput, StartSaysWhoHasTheKeyboardAndHowToSwitch) {
    EXPECT_NE(g_log.find("[tessera] console: input goes to vm linux-a (Ctrl-T 1-3 or n switches, Ctrl-T ? helps, "
                         "Ctrl-T x powers off)"),
              std::string::npos);
}

TEST_F(ConsoleInput, EscapeSwitchesTheFocusAndIsNotDelivered) {
    type("\x14"
         "1ls\n");
    type("\x14"
         "3ps\n");
    type("\x14"
         "nuname\n"); // next after 3 wraps to 1
    type("\x14\x14"); // a literal Ctrl-T
    type("\x03");     // Ctrl-C is the VM's, not the console's
    EXPECT_EQ(vms.got[0], "ls\nuname\n\x14\x03");
    EXPECT_EQ(vms.got[1], "");
    EXPECT_EQ(vms.got[2], "ps\n");
    EXPECT_NE(g_log.find("[tessera] console: input goes to vm rtos"), std::string::npos);
}

TEST_F(ConsoleInput, UnknownCommandsAndAbsentVmsChangeNothing) {
    g_log.clear();
    type("\x14"
         "z");
    type("\x14"
         "9"); // only 3 VMs: 9 selects nothing new
    type("a");
    EXPECT_EQ(vms.got[0], "a");
    EXPECT_NE(g_log.find("Ctrl-T z is not a command (Ctrl-T ? lists them)"), std::string::npos);
}

TEST_F(ConsoleInput, SwitchingSkipsEndedVmsAndSaysSo) {
    vms.alive[1] = false;
    g_log.clear();
    type("\x14"
         "2");
    EXPECT_NE(g_log.find("console: vm linux-b has ended; input stays with vm linux-a"), std::string::npos);
    type("\x14"
         "n");
    EXPECT_NE(g_log.find("console: input goes to vm rtos (skipped the VMs that have ended)"), std::string::npos);
    type("x");
    EXPECT_EQ(vms.got[2], "x");
    EXPECT_EQ(vms.got[1], "");
}

TEST_F(ConsoleInput, TheKeyboardMovesOnWhenItsVmEnds) {
    vms.alive[0] = false;
    console_vm_stopped(0);
    EXPECT_NE(g_log.find("console: input goes to vm linux-b (the VM that had it has ended)"), std::string::npos);
    type("q");
    EXPECT_EQ(vms.got[1], "q");
    EXPECT_EQ(vms.got[0], "");
}

TEST_F(ConsoleInput, HelpListsTheEscapesAndEveryVmWithItsState) {
    vms.alive[2] = false;
    g_log.clear();
    type("\x14?");
    EXPECT_NE(g_log.find("console: Ctrl-T 1-3: give the keyboard to that VM; Ctrl-T n: to the next; Ctrl-T x: "
                         "power off\r\n"),
              std::string::npos);
    EXPECT_NE(g_log.find("console:   1 linux-a: running (has the keyboard)\r\n"), std::string::npos);
    EXPECT_NE(g_log.find("console:   2 linux-b: running\r\n"), std::string::npos);
    EXPECT_NE(g_log.find("console:   3 rtos: ended\r\n"), std::string::npos);
    EXPECT_EQ(vms.got[0], "");
}

TEST_F(ConsoleInput, SwitchingShowsTheNewVmsPromptAtOnce) {
    vms.streams[1].write("linux-b", "/ # ", 4);
    vms.streams[0].write("linux-a", "row\n", 4);
    g_log.clear();
    type("\x14"
         "2");
    EXPECT_EQ(g_log, "[tessera] console: input goes to vm linux-b\r\n[linux-b] / # ");
    type("\x14"
         "1"); // linux-b's prompt is taken off; linux-a's row was finished
    EXPECT_EQ(g_log.substr(g_log.size() - 49), "\r\x1b[K[tessera] console: input goes to vm linux-a\r\n");
}

TEST_F(ConsoleInput, TheTerminalsCursorAnswerGoesToTheVmThatAsked) {
    // linux-b's shell asks where its prompt ended; linux-a has the keyboard.
    vms.streams[1].write("linux-b", "/ # \x1b[6n", 8);
    type("\x1b[35;15R");
    EXPECT_EQ(vms.got[1], "\x1b[35;15R");
    EXPECT_EQ(vms.got[0], "");
    // Answered: the next sequence is typed keys again, for linux-a.
    type("\x1b[35;15R");
    EXPECT_EQ(vms.got[0], "\x1b[35;15R");
}

TEST_F(ConsoleInput, KeysThatLookAlikeStillReachTheFocusedVm) {
    vms.streams[1].write("linux-b", "\x1b[6n", 4);
    type("\x1b[A"); // an arrow key while linux-b waits for its answer
    type("\x1b\x14"
         "2"); // a lone Escape, then a switch
    EXPECT_EQ(vms.got[0], "\x1b[A\x1b");
    EXPECT_EQ(vms.got[1], "");
    type("\x1b[2;5R"); // the answer, now for linux-b which also has the keyboard
    EXPECT_EQ(vms.got[1], "\x1b[2;5R");
}

TEST_F(ConsoleInput, AnAnswerJustAfterCtrlTStillFindsItsVmAndTheCommandWaits) {
    vms.streams[1].write("linux-b", "\x1b[6n", 4);
    type("\x14");      // the user starts a command...
    type("\x1b[9;5R"); // ...and the terminal's answer arrives in between
    type("3");         // the command's key
    EXPECT_EQ(vms.got[1], "\x1b[9;5R");
    EXPECT_NE(g_log.find("console: input goes to vm rtos"), std::string::npos);
    EXPECT_EQ(vms.got[0], "");
}

TEST_F(ConsoleInput, ALoneEscapeBeforeAnAnswerIsTypedAndTheAnswerStillRouted) {
    vms.streams[1].write("linux-b", "\x1b[6n", 4);
    type("\x1b");      // the user's Escape key
    type("\x1b[9;5R"); // the answer
    EXPECT_EQ(vms.got[0], "\x1b");
    EXPECT_EQ(vms.got[1], "\x1b[9;5R");
}

TEST_F(ConsoleInput, ARowShownAgainDoesNotAskTheTerminalAgain) {
    vms.streams[0].write("linux-a", "/ # \x1b[6n", 8);
    vms.streams[1].write("linux-b", "x\n", 2);
    type("\x1b[40;15R"); // the one answer goes to linux-a...
    EXPECT_EQ(vms.got[0], "\x1b[40;15R");
    g_log.clear();
    vms.streams[1].write("linux-b", "y\n", 2);
    EXPECT_EQ(g_log, "\r\x1b[K[linux-b] y\r\n[linux-a] / # "); // ...and linux-a's row comes back without the query
}

TEST_F(ConsoleInput, CtrlTxPowersOff) {
    type("\x14x");
    EXPECT_TRUE(vms.off);
    EXPECT_NE(g_log.find("powering off at the user's request (Ctrl-T x)\r\n"), std::string::npos);
}

TEST_F(ConsoleInput, CtrlTxStillSaysWhichVmsFailed) {
    vms.alive[1] = false;
    vms.dead_badly[1] = true;
    type("\x14x");
    EXPECT_NE(g_log.find("powering off at the user's request (Ctrl-T x); 1 of 3 VMs failed"), std::string::npos);
}

TEST_F(ConsoleInput, TheKeyboardsPromptComesBackRightAfterAnotherVmsRow) {
    vms.streams[0].write("linux-a", "/ # ", 4);
    g_log.clear();
    vms.streams[1].write("linux-b", "late message\n", 13);
    EXPECT_EQ(g_log, "\r\x1b[K[linux-b] late message\r\n[linux-a] / # ");
}

TEST_F(ConsoleInput, TypingBringsBackTheFocusedRowFromUnderAnotherVmsPrompt) {
    vms.streams[0].write("linux-a", "/ # ", 4);
    vms.streams[1].write("linux-b", "/ # ", 4); // linux-b's unfinished row now holds the screen
    g_log.clear();
    type("l");
    EXPECT_EQ(g_log, "\r\x1b[K[linux-a] / # ");
    EXPECT_EQ(vms.got[0], "l");
}

} // namespace

namespace {

// Ctrl-T r restarts the VM that has the keyboard, and only it; nothing is typed into it.
TEST_F(ConsoleInput, CtrlTrRestartsTheVmWithTheKeyboard) {
    type("\x14"
         "2\x14"
         "r");
    ASSERT_EQ(vms.restarted.size(), 1u);
    EXPECT_EQ(vms.restarted[0], 1u);
    EXPECT_EQ(vms.got[1], "");
    type("\x14?");
    EXPECT_NE(g_log.find("Ctrl-T r: restart the VM that has the keyboard"), std::string::npos);
}

} // namespace

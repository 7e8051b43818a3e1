// test_console_log.cpp — the runner's screen model: rows, redraws and erased rows, as the checks see them.
#include <gtest/gtest.h>

#include <string>

#include "console_log.hpp"

using tessera::runner::ConsoleLog;

namespace {

std::string shown(std::initializer_list<std::string> chunks) {
    ConsoleLog log;
    for (const auto& c : chunks) log.append(c.data(), c.size());
    return log.text();
}

TEST(ConsoleLog, RowsEndWithCrLf) { EXPECT_EQ(shown({"[a] one\r\n[b] two\r\n"}), "[a] one\n[b] two\n"); }

TEST(ConsoleLog, AnErasedRowIsGoneAndTheNextRowTakesItsPlace) {
    EXPECT_EQ(shown({"[a] / # ec\r\x1b[K[b] boot\r\n[a] / # echo\r\n"}), "[b] boot\n[a] / # echo\n");
}

TEST(ConsoleLog, SequencesAndCarriageReturnsSplitBetweenReadsStillCount) {
    EXPECT_EQ(shown({"[a] half\r", "\x1b", "[", "K[b] x\r", "\n"}), "[b] x\n");
}

TEST(ConsoleLog, ALoneCarriageReturnRedrawsTheRow) { EXPECT_EQ(shown({"[a] / # abc\r[a] / # ab"}), "[a] / # ab"); }

TEST(ConsoleLog, OtherSequencesAreKept) {
    EXPECT_EQ(shown({"[a] \x1b[6n/ # \x1b"
                     "7x"}),
              "[a] \x1b[6n/ # \x1b"
              "7x");
}

} // namespace

// test_vpl011.cpp — the virtual PL011: ID registers, FR flags, the 512-byte input queue behind the 32-byte FIFO, output
// on the VM's console row, and the interrupt line following RIS & IMSC.
#include <gtest/gtest.h>

#include <string>

#include "fake_system.hpp"
#include "vgic.hpp"
#include "vpl011.hpp"

using namespace tessera;
using tessera::test::FakeSystem;

namespace {

constexpr u64 DR = 0x000, FR = 0x018, CR = 0x030, IFLS = 0x034, IMSC = 0x038, RIS = 0x03c, MIS = 0x040, ICR = 0x044;
constexpr u32 FR_RXFE = 1u << 4, FR_TXFF = 1u << 5, FR_RXFF = 1u << 6, FR_TXFE = 1u << 7;
constexpr u32 INT_RX = 1u << 4, INT_TX = 1u << 5;
constexpr char DROPPED[] = "is not reading its UART";

u64 rd(Vcpu& v, u64 off) {
    u64 value = 0xdead;
    EXPECT_TRUE(vpl011_access(v, off, 4, false, value));
    return value;
}
void wr(Vcpu& v, u64 off, u64 value) { EXPECT_TRUE(vpl011_access(v, off, 4, true, value)); }

/// The UART's interrupt line as the vGIC sees it.
bool line(Vm& vm) { return vm.vgic.spi[VPL011_INTID - 32].line; }

size_t count(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
}

// The PrimeCell ID registers read as a PL011's; accesses wider than a word
// are refused; reset values of CR and IFLS.
TEST(Vpl011, IdentifiesAsAPl011) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    const u8 id[8] = {0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(rd(v, 0xfe0 + 4 * i), id[i]) << i;
    EXPECT_EQ(rd(v, CR), 0x300u);
    EXPECT_EQ(rd(v, IFLS), 0x12u);
    u64 value = 0;
    EXPECT_FALSE(vpl011_access(v, DR, 8, false, value));
}

// FR: transmitter always empty, never full; RXFE while nothing waits, RXFF
// from the 32nd byte (the FIFO the guest sees), not before.
TEST(Vpl011, FlagsFollowTheReceiveFifo) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    Vm& vm = sys.vm(0);
    EXPECT_EQ(rd(v, FR), FR_TXFE | FR_RXFE);
    for (unsigned i = 0; i < Vpl011::RX_FIFO - 1; ++i) ASSERT_TRUE(vpl011_input(vm, 'x'));
    EXPECT_EQ(rd(v, FR), FR_TXFE);
    ASSERT_TRUE(vpl011_input(vm, 'x'));
    EXPECT_EQ(rd(v, FR), FR_TXFE | FR_RXFF);
    EXPECT_EQ(rd(v, FR) & FR_TXFF, 0u);
    rd(v, DR);
    EXPECT_EQ(rd(v, FR), FR_TXFE);
}

// 512 bytes wait in order (across the ring's wrap); the 513th is dropped and
// the console says so once, however many follow, until the guest reads again.
TEST(Vpl011, InputQueueKeepsOrderAndDropsOnlyPast512) {
    FakeSystem sys({{"slow", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    Vm& vm = sys.vm(0);
    for (unsigned i = 0; i < 100; ++i) ASSERT_TRUE(vpl011_input(vm, 'a'));
    for (unsigned i = 0; i < 100; ++i) ASSERT_EQ(rd(v, DR), u64{'a'});
    for (unsigned i = 0; i < Vpl011::RX_QUEUE; ++i) ASSERT_TRUE(vpl011_input(vm, static_cast<char>(i % 251))) << i;
    EXPECT_EQ(count(FakeSystem::console(), DROPPED), 0u);
    for (int i = 0; i < 20; ++i) EXPECT_FALSE(vpl011_input(vm, '!'));
    EXPECT_EQ(count(FakeSystem::console(), std::string("vm slow ") + DROPPED), 1u);
    for (unsigned i = 0; i < Vpl011::RX_QUEUE; ++i) ASSERT_EQ(rd(v, DR), i % 251) << i;
    EXPECT_EQ(rd(v, FR) & FR_RXFE, FR_RXFE);
    EXPECT_EQ(rd(v, DR), 0u); // empty reads as 0
    // Read again, full again: said a second time.
    for (unsigned i = 0; i < Vpl011::RX_QUEUE; ++i) ASSERT_TRUE(vpl011_input(vm, 'z')) << i;
    EXPECT_FALSE(vpl011_input(vm, 'z'));
    EXPECT_EQ(count(FakeSystem::console(), DROPPED), 2u);
}

// Bytes written to DR appear on the console on a row tagged with the VM's
// name; a VM that stopped prints nothing more.
TEST(Vpl011, OutputGoesToTheVmsConsoleRow) {
    FakeSystem sys({{"guest", {1}}, {"other", {2}}});
    Vcpu& v = sys.vcpu(0, 0);
    for (char c : std::string("hello\n")) wr(v, DR, static_cast<u8>(c));
    EXPECT_NE(FakeSystem::console().find("[guest] hello\r\n"), std::string::npos);
    vm_stop(sys.vm(0), StopReason::poweroff, 0, "");
    const size_t before = FakeSystem::console().size();
    wr(v, DR, 'X');
    EXPECT_EQ(FakeSystem::console().size(), before);
}

// The interrupt line is RIS & IMSC: TX (always ready) until cleared by ICR
// and raised again by the next write; RX while bytes wait, cleared by
// reading them; RIS and MIS read back accordingly.
TEST(Vpl011, InterruptLineFollowsRisAndImsc) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    Vm& vm = sys.vm(0);
    EXPECT_EQ(rd(v, RIS), INT_TX);
    EXPECT_EQ(rd(v, MIS), 0u);
    EXPECT_FALSE(line(vm));
    wr(v, IMSC, INT_TX);
    EXPECT_TRUE(line(vm));
    EXPECT_EQ(rd(v, MIS), INT_TX);
    wr(v, ICR, INT_TX);
    EXPECT_FALSE(line(vm));
    EXPECT_EQ(rd(v, RIS), 0u);
    wr(v, DR, 'a');
    EXPECT_TRUE(line(vm));

    wr(v, IMSC, INT_RX);
    EXPECT_FALSE(line(vm));
    ASSERT_TRUE(vpl011_input(vm, 'k'));
    EXPECT_TRUE(line(vm));
    EXPECT_EQ(rd(v, MIS), INT_RX);
    EXPECT_EQ(rd(v, DR), u64{'k'});
    EXPECT_FALSE(line(vm));
}

// vpl011_reset empties the queue and masks interrupts again.
TEST(Vpl011, ResetEmptiesTheQueue) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    Vm& vm = sys.vm(0);
    wr(v, IMSC, INT_RX);
    ASSERT_TRUE(vpl011_input(vm, 'k'));
    vpl011_reset(vm.uart);
    EXPECT_EQ(rd(v, FR), FR_TXFE | FR_RXFE);
    EXPECT_EQ(rd(v, IMSC), 0u);
}

} // namespace

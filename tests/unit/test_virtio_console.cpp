// test_virtio_console.cpp — the virtio console on the fake machine: what a Linux driver writes reaches the
// server's ring with a doorbell, the server's messages reach the driver's buffers, and neither side's lies
// reach the other.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "channel_ring.hpp"
#include "fake_system.hpp"
#include "system_image.hpp"
#include "virtio_console.hpp"

using namespace tessera;
using namespace tessera::virtio;
using tessera::test::FakeSystem;

namespace {

constexpr u64 RAM = FakeSystem::RAM_IPA;
constexpr u64 RX_DESC = RAM + 0x10'0000, TX_DESC = RAM + 0x11'0000;
constexpr u64 RX_BUF = RAM + 0x12'0000, TX_BUF = RAM + 0x13'0000;
constexpr u16 NUM = 16;
constexpr u64 R_QUEUE_SEL = 0x30, R_QUEUE_NUM = 0x38, R_QUEUE_READY = 0x44, R_NOTIFY = 0x50, R_STATUS = 0x70,
              R_DRV_FEATURES = 0x20, R_DRV_FEATURES_SEL = 0x24, R_DESC = 0x80, R_DRIVER = 0x90, R_DEVICE = 0xa0;

struct VirtioConsoleTest : ::testing::Test {
    // "linux" (vm 0, the console) and "server" (vm 1) joined by a console channel of 16 KiB.
    FakeSystem sys{
        {{"linux", {1}}, {"server", {2}}}, 4, {ChannelDesc{"keys", 16 * KiB, {0, 1}, sysimg::CHANNEL_VIRTIO_CONSOLE}}};
    ConsoleLink link{};
    Vm& linux_vm = sys.vm(0);
    Vm& server = sys.vm(1);
    u16 avail[2] = {};
    u64 taken = 0; ///< the server's private counts
    u64 sent = 0;

    VirtioConsoleTest() {
        console_link_init(link, 0, linux_vm, vplat::VIRTIO_INTID);
        set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        set(R_DRV_FEATURES_SEL, 1);
        set(R_DRV_FEATURES, 1); // VERSION_1
        set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        queue(CONSOLE_RX, RX_DESC);
        queue(CONSOLE_TX, TX_DESC);
        set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    }
    /// Its RAM at `ipa` as the guest sees it (filled first, as its own first touch would).
    u8* ram(u64 ipa) { return vm_ram_at(linux_vm, ipa, 1); }
    MmioResult set(u64 off, u64 v) { return transport_access(linux_vm.vcpus[0], &link.dev, off, 4, true, v); }
    void queue(u16 q, u64 desc) {
        std::memset(ram(desc), 0, 0x3000);
        set(R_QUEUE_SEL, q);
        set(R_QUEUE_NUM, NUM);
        set(R_DESC, desc);
        set(R_DRIVER, desc + 0x1000);
        set(R_DEVICE, desc + 0x2000);
        set(R_QUEUE_READY, 1);
    }
    /// Offers one buffer on queue `q` as descriptor `i`.
    void offer(u16 q, u16 i, u64 addr, u32 len, u16 flags) {
        u8* d = ram((q == CONSOLE_RX ? RX_DESC : TX_DESC) + u64{16} * i);
        std::memcpy(d, &addr, 8);
        std::memcpy(d + 8, &len, 4);
        std::memcpy(d + 12, &flags, 2);
        u8* a = ram((q == CONSOLE_RX ? RX_DESC : TX_DESC) + 0x1000);
        std::memcpy(a + 4 + size_t{2} * (avail[q] % NUM), &i, 2);
        ++avail[q];
        std::memcpy(a + 2, &avail[q], 2);
    }
    /// Linux writes `text` to its console.
    void linux_writes(const std::string& text, u16 i = 0) {
        std::memcpy(ram(TX_BUF + u64{0x100} * i), text.data(), text.size());
        offer(CONSOLE_TX, i, TX_BUF + u64{0x100} * i, static_cast<u32>(text.size()), 0);
        set(R_NOTIFY, CONSOLE_TX);
    }
    u16 used_idx(u16 q) {
        u16 idx = 0;
        std::memcpy(&idx, ram((q == CONSOLE_RX ? RX_DESC : TX_DESC) + 0x2002), 2);
        return idx;
    }
    u8* channel() { return static_cast<u8*>(arch::phys_to_ptr(g_channels.channels[0].pa)); }
    /// The server (side 1) takes the next message.
    std::string server_takes() {
        char buf[4096];
        const u32 n = ring::receive(ring::Half(channel(), 16 * KiB, 0), taken, buf, sizeof buf);
        return n == ring::EMPTY || n == ring::BROKEN ? std::string() : std::string(buf, n);
    }
};

TEST_F(VirtioConsoleTest, TheServerHasTheMemoryAndLinuxTheDevice) {
    EXPECT_TRUE(server.stage2.lookup(Ipa(vplat::CHANNEL_BASE)).ok());
    EXPECT_FALSE(linux_vm.stage2.lookup(Ipa(vplat::CHANNEL_BASE)).ok()); // Linux never maps the ring
    EXPECT_EQ(server.channel_count, 1u);
    EXPECT_EQ(linux_vm.channel_count, 0u);
    u64 v = 0;
    EXPECT_EQ(transport_access(linux_vm.vcpus[0], &link.dev, 0x008, 4, false, v), MmioResult::done);
    EXPECT_EQ(v, 3u); // a console
}

TEST_F(VirtioConsoleTest, BytesCrossBothWaysWithDoorbellsAndInterrupts) {
    linux_writes("sign hello\n");
    EXPECT_EQ(used_idx(CONSOLE_TX), 1u);
    EXPECT_TRUE(server.vgic.spi[vplat::CHANNEL_INTID - 32].pending); // the server's doorbell
    EXPECT_EQ(server_takes(), "sign hello\n");
    // The server answers and rings; Linux has posted a buffer.
    offer(CONSOLE_RX, 0, RX_BUF, 64, 2);
    set(R_NOTIFY, CONSOLE_RX);
    ASSERT_TRUE(ring::send(ring::Half(channel(), 16 * KiB, 1), sent, "sig 00ff\n", 9));
    EXPECT_EQ(FakeSystem::call(server.vcpus[0], tessera::abi::TESSERA_CHANNEL_RING, 0), 0u);
    ASSERT_EQ(used_idx(CONSOLE_RX), 1u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(ram(RX_BUF)), 9), "sig 00ff\n");
    EXPECT_TRUE(linux_vm.vgic.spi[vplat::VIRTIO_INTID - 32].line);
    // A message longer than Linux's buffer arrives in pieces, as buffers come.
    const std::string big(100, 'x');
    ASSERT_TRUE(ring::send(ring::Half(channel(), 16 * KiB, 1), sent, big.data(), 100));
    offer(CONSOLE_RX, 1, RX_BUF + 0x100, 64, 2);
    EXPECT_EQ(FakeSystem::call(server.vcpus[0], tessera::abi::TESSERA_CHANNEL_RING, 0), 0u);
    EXPECT_EQ(used_idx(CONSOLE_RX), 2u);
    offer(CONSOLE_RX, 2, RX_BUF + 0x200, 64, 2);
    set(R_NOTIFY, CONSOLE_RX);
    EXPECT_EQ(used_idx(CONSOLE_RX), 3u);
    EXPECT_EQ(ram(RX_BUF + 0x200)[35], 'x');
    // A driver reset (a restarted Linux) does not get the rest of a message meant for the one before.
    ASSERT_TRUE(ring::send(ring::Half(channel(), 16 * KiB, 1), sent, big.data(), 100));
    offer(CONSOLE_RX, 3, RX_BUF + 0x300, 64, 2);
    EXPECT_EQ(FakeSystem::call(server.vcpus[0], tessera::abi::TESSERA_CHANNEL_RING, 0), 0u);
    EXPECT_EQ(used_idx(CONSOLE_RX), 4u); // 64 of its 100 bytes delivered, 36 held
    set(R_STATUS, 0);
    std::memset(avail, 0, sizeof avail);
    set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    set(R_DRV_FEATURES_SEL, 1);
    set(R_DRV_FEATURES, 1);
    set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    queue(CONSOLE_RX, RX_DESC);
    queue(CONSOLE_TX, TX_DESC);
    set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    offer(CONSOLE_RX, 0, RX_BUF, 64, 2);
    set(R_NOTIFY, CONSOLE_RX);
    EXPECT_EQ(used_idx(CONSOLE_RX), 0u);
    // Linux ends: the server's ring hears that.
    vm_stop(linux_vm, StopReason::poweroff, 0, "");
    EXPECT_EQ(static_cast<i64>(FakeSystem::call(server.vcpus[0], tessera::abi::TESSERA_CHANNEL_RING, 0)),
              tessera::abi::CHANNEL_PEER_DOWN);
}

TEST_F(VirtioConsoleTest, ABrokenRingOrBadBufferStopsOnlyItsOwner) {
    // The server scribbles over its ring's head: its messages are ignored, said once; Linux's device works on.
    FakeSystem::console().clear();
    u32 garbage = 12345;
    std::memcpy(channel() + 16 * KiB / 2, &garbage, 4); // side 1's head
    offer(CONSOLE_RX, 0, RX_BUF, 64, 2);
    EXPECT_EQ(FakeSystem::call(server.vcpus[0], tessera::abi::TESSERA_CHANNEL_RING, 0), 0u);
    EXPECT_NE(FakeSystem::console().find("vm server: virtio-console channel: a message ring that makes no sense"),
              std::string::npos)
        << FakeSystem::console();
    EXPECT_EQ(used_idx(CONSOLE_RX), 0u);
    linux_writes("still here\n");
    EXPECT_EQ(server_takes(), "still here\n");
    // Linux hands over a buffer outside its RAM: its device stops, the server is not touched.
    offer(CONSOLE_TX, 1, RAM + 64 * MiB, 16, 0);
    set(R_NOTIFY, CONSOLE_TX);
    u64 status = 0;
    (void)transport_access(linux_vm.vcpus[0], &link.dev, R_STATUS, 4, false, status);
    EXPECT_NE(status & STATUS_NEEDS_RESET, 0u);
    EXPECT_EQ(server_takes(), "");
    EXPECT_EQ(server.state.load(), VmState::running);
}

} // namespace

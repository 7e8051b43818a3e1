// test_virtio_net.cpp — the virtio-net link on the fake machine: a small virtio driver in each of two VMs' RAM
// drives the real transport, and frames must cross intact; rings a guest lies about stop its own device only.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "fake_system.hpp"
#include "virtio_net.hpp"

using namespace tessera;
using namespace tessera::virtio;
using tessera::test::FakeSystem;

namespace {

// Where the test driver puts its rings and buffers in a VM's RAM.
constexpr u64 RAM = FakeSystem::RAM_IPA;
constexpr u64 RX_DESC = RAM + 0x10'0000, RX_AVAIL = RX_DESC + 0x1000, RX_USED = RX_DESC + 0x2000;
constexpr u64 TX_DESC = RAM + 0x11'0000, TX_AVAIL = TX_DESC + 0x1000, TX_USED = TX_DESC + 0x2000;
constexpr u64 RX_BUF = RAM + 0x12'0000; ///< receive buffers, 4 KiB apart
constexpr u64 TX_BUF = RAM + 0x1a'0000; ///< frames to send, 4 KiB apart
constexpr u64 BUF_STRIDE = 0x1000;
constexpr u16 NUM = 128;

// Register offsets of virtio-mmio 2.
constexpr u64 R_FEATURES = 0x10, R_FEATURES_SEL = 0x14, R_DRV_FEATURES = 0x20, R_DRV_FEATURES_SEL = 0x24,
              R_QUEUE_SEL = 0x30, R_QUEUE_NUM_MAX = 0x34, R_QUEUE_NUM = 0x38, R_QUEUE_READY = 0x44, R_NOTIFY = 0x50,
              R_IRQ_STATUS = 0x60, R_IRQ_ACK = 0x64, R_STATUS = 0x70, R_DESC = 0x80, R_DRIVER = 0x90, R_DEVICE = 0xa0;

/// A minimal virtio-net driver for one end, in that VM's (fake) RAM.
class Driver {
public:
    Driver(Vm& vm, Transport& t) : vm_(vm), t_(t) {}

    /// Its RAM at `ipa` as the guest sees it (filled first, as its own first touch would).
    u8* ram(u64 ipa) { return vm_ram_at(vm_, ipa, 1); }
    u64 reg(u64 off) {
        u64 v = 0;
        EXPECT_EQ(transport_access(vm_.vcpus[0], &t_, off, 4, false, v), MmioResult::done);
        return v;
    }
    MmioResult set(u64 off, u64 v) { return transport_access(vm_.vcpus[0], &t_, off, 4, true, v); }

    /// The driver's side of initialisation (§3.1.1), with `features` asked for.
    bool start(u64 features = NET_FEATURES, u16 num = NUM) {
        set(R_STATUS, 0);
        set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        set(R_DRV_FEATURES_SEL, 0);
        set(R_DRV_FEATURES, features & 0xffff'ffff);
        set(R_DRV_FEATURES_SEL, 1);
        set(R_DRV_FEATURES, features >> 32);
        set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        if ((reg(R_STATUS) & STATUS_FEATURES_OK) == 0) return false;
        queue(NET_RX, num, RX_DESC, RX_AVAIL, RX_USED);
        queue(NET_TX, num, TX_DESC, TX_AVAIL, TX_USED);
        set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
        return true;
    }
    void queue(u16 q, u16 num, u64 desc, u64 avail, u64 used) {
        std::memset(ram(desc), 0, 0x3000);
        set(R_QUEUE_SEL, q);
        set(R_QUEUE_NUM, num);
        set(R_DESC, desc);
        set(R_DESC + 4, desc >> 32);
        set(R_DRIVER, avail);
        set(R_DRIVER + 4, avail >> 32);
        set(R_DEVICE, used);
        set(R_DEVICE + 4, used >> 32);
        set(R_QUEUE_READY, 1);
        num_[q] = num;
    }

    /// Writes descriptor `i` of queue `q`.
    void desc(u16 q, u16 i, u64 addr, u32 len, u16 flags, u16 next = 0) {
        u8* d = ram(q == NET_RX ? RX_DESC : TX_DESC) + size_t{16} * i;
        std::memcpy(d, &addr, 8);
        std::memcpy(d + 8, &len, 4);
        std::memcpy(d + 12, &flags, 2);
        std::memcpy(d + 14, &next, 2);
    }
    /// Makes chain `head` available in queue `q` (not yet notified).
    void offer(u16 q, u16 head) {
        u8* a = ram(q == NET_RX ? RX_AVAIL : TX_AVAIL);
        u16 idx = 0;
        std::memcpy(&idx, a + 2, 2);
        std::memcpy(a + 4 + size_t{2} * (idx % num_[q]), &head, 2);
        ++idx;
        std::memcpy(a + 2, &idx, 2);
    }
    /// Posts `n` receive buffers of `len` bytes each, from descriptor `first`.
    void post_rx(u16 n, u32 len = BUF_STRIDE, u16 first = 0) {
        for (u16 i = first; i < first + n; ++i) {
            desc(NET_RX, i, RX_BUF + u64{i} * BUF_STRIDE, len, 2);
            offer(NET_RX, i);
        }
    }
    /// Queues a frame of `bytes` bytes (after the 12-byte header), filled from `seed`, as descriptor `i`.
    void send(u16 i, u32 bytes, u8 seed, u8 flags = 0, u8 gso = 0) {
        u8* p = ram(TX_BUF + u64{i} * BUF_STRIDE);
        std::memset(p, 0, NET_HDR_BYTES);
        p[0] = flags;
        p[1] = gso;
        p[4] = 0x55; // gso_size, passed on as it is
        for (u32 k = 0; k < bytes; ++k) p[NET_HDR_BYTES + k] = static_cast<u8>(seed + k);
        desc(NET_TX, i, TX_BUF + u64{i} * BUF_STRIDE, NET_HDR_BYTES + bytes, 0);
        offer(NET_TX, i);
    }
    u16 used_idx(u16 q) {
        u16 idx = 0;
        std::memcpy(&idx, ram(q == NET_RX ? RX_USED : TX_USED) + 2, 2);
        return idx;
    }
    /// Used entry `k` of queue `q`: {id, len}.
    std::pair<u32, u32> used(u16 q, u16 k) {
        u32 e[2];
        std::memcpy(e, ram(q == NET_RX ? RX_USED : TX_USED) + 4 + size_t{8} * (k % num_[q]), 8);
        return {e[0], e[1]};
    }
    bool broken() { return (reg(R_STATUS) & STATUS_NEEDS_RESET) != 0; }
    /// Offers again every receive buffer the device has returned since the last call, as a driver refills.
    void recycle() {
        for (; recycled_ != used_idx(NET_RX); ++recycled_)
            offer(NET_RX, static_cast<u16>(used(NET_RX, recycled_).first));
    }

private:
    Vm& vm_;
    Transport& t_;
    u16 num_[2] = {NUM, NUM};
    u16 recycled_ = 0;
};

struct LinkTest : ::testing::Test {
    FakeSystem sys{{{"a", {1}, 0, 0, 0, 4 * MiB}, {"b", {2}, 0, 0, 0, 4 * MiB}, {"c", {3}, 0, 0, 0, 4 * MiB}}};
    NetLink link{};
    Driver a{sys.vm(0), link.port[0][0]};
    Driver b{sys.vm(1), link.port[1][0]};

    LinkTest() { net_link_init(link, 3, sys.vm(0), vplat::VIRTIO_INTID, sys.vm(1), vplat::VIRTIO_INTID + 1); }
    bool line(unsigned vm, u32 intid) { return sys.vm(vm).vgic.spi[intid - 32].line; }
};

TEST_F(LinkTest, TheDeviceIdentifiesAndNegotiates) {
    EXPECT_EQ(a.reg(0x000), 0x7472'6976u); // "virt"
    EXPECT_EQ(a.reg(0x004), 2u);           // virtio-mmio version 2
    EXPECT_EQ(a.reg(0x008), 1u);           // a network card
    a.set(R_FEATURES_SEL, 1);
    EXPECT_EQ(a.reg(R_FEATURES), 1u); // VERSION_1
    a.set(R_FEATURES_SEL, 0);
    EXPECT_EQ(a.reg(R_FEATURES),
              0x1bba3u); // CSUM, GUEST_CSUM, MAC, GUEST_TSO4/6/ECN, HOST_TSO4/6/ECN, MRG_RXBUF, STATUS
    a.set(R_QUEUE_SEL, 2);
    EXPECT_EQ(a.reg(R_QUEUE_NUM_MAX), 0u); // no third queue
    // MAC 02:74:73:00:<link>:<end>, read a byte at a time and as a word.
    u64 v = 0;
    EXPECT_EQ(transport_access(sys.vcpu(1, 0), &link.port[1][0], 0x105, 1, false, v), MmioResult::done);
    EXPECT_EQ(v, 2u);
    EXPECT_EQ(transport_access(sys.vcpu(1, 0), &link.port[1][0], 0x100, 4, false, v), MmioResult::done);
    EXPECT_EQ(v, 0x0073'7402u);
    // The link is up (status, after the MAC address).
    EXPECT_EQ(transport_access(sys.vcpu(1, 0), &link.port[1][0], 0x106, 2, false, v), MmioResult::done);
    EXPECT_EQ(v, u64{NET_S_LINK_UP});
    // A driver without VERSION_1 (a legacy one), or asking for what is not offered, is refused.
    EXPECT_FALSE(a.start(NET_F_MAC));
    EXPECT_FALSE(a.start(NET_FEATURES | 1u << 22)); // VIRTIO_NET_F_MQ: not offered
    // DRIVER_OK before FEATURES_OK does not take: the device stays off.
    a.set(R_STATUS, 0);
    a.set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
    EXPECT_EQ(a.reg(R_STATUS) & STATUS_DRIVER_OK, 0u);
    EXPECT_TRUE(a.start());
    // Registers are 32-bit.
    EXPECT_EQ(transport_access(sys.vcpu(0, 0), &link.port[0][0], R_STATUS, 2, false, v), MmioResult::bad_access);
}

TEST_F(LinkTest, AFrameCrossesIntactWithItsHeaderAndAnInterrupt) {
    ASSERT_TRUE(a.start());
    ASSERT_TRUE(b.start());
    b.post_rx(4);
    EXPECT_EQ(b.set(R_NOTIFY, NET_RX), MmioResult::done);
    a.send(0, 100, 7);
    EXPECT_EQ(a.set(R_NOTIFY, NET_TX), MmioResult::done);
    ASSERT_EQ(b.used_idx(NET_RX), 1u);
    EXPECT_EQ(b.used(NET_RX, 0), std::make_pair(0u, 112u));
    const u8* got = b.ram(RX_BUF);
    u16 num_buffers = 0;
    std::memcpy(&num_buffers, got + 10, 2);
    EXPECT_EQ(num_buffers, 1u);
    for (u32 k = 0; k < 100; ++k) ASSERT_EQ(got[12 + k], static_cast<u8>(7 + k)) << k;
    EXPECT_EQ(a.used_idx(NET_TX), 1u); // the sender has its buffer back
    EXPECT_TRUE(line(1, vplat::VIRTIO_INTID + 1));
    EXPECT_TRUE(line(0, vplat::VIRTIO_INTID));
    EXPECT_EQ(b.reg(R_IRQ_STATUS), 1u);
    b.set(R_IRQ_ACK, 1);
    EXPECT_FALSE(line(1, vplat::VIRTIO_INTID + 1)); // acknowledged: the line drops
    EXPECT_EQ(link.frames[0], 1u);
    // And back.
    a.post_rx(1);
    b.send(0, 60, 1);
    b.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(a.used_idx(NET_RX), 1u);
    EXPECT_EQ(a.ram(RX_BUF)[12], 1u);
}

// Receive buffers posted in RAM the receiver never touched (scrubbed on
// first touch: ram_fill.hpp) are filled on the receiver's own notify, not
// on the exit of the sender whose frame later lands there; only buffers
// reached since the last notify are walked again.
TEST_F(LinkTest, FreshReceiveBuffersAreFilledOnTheReceiversOwnNotify) {
    ASSERT_TRUE(a.start());
    ASSERT_TRUE(b.start());
    Vm& vb = sys.vm(1);
    const u64 fresh = RAM + 2 * MiB; // its second piece, never touched
    ASSERT_TRUE(vb.fill_lazily);
    ASSERT_FALSE(vb.stage2.lookup(Ipa(fresh)).ok());
    for (u16 i = 0; i < 2; ++i) {
        b.desc(NET_RX, i, fresh + u64{i} * BUF_STRIDE, BUF_STRIDE, 2);
        b.offer(NET_RX, i);
    }
    EXPECT_FALSE(vb.stage2.lookup(Ipa(fresh)).ok()); // posted: not reached yet
    EXPECT_EQ(b.set(R_NOTIFY, NET_RX), MmioResult::done);
    EXPECT_TRUE(vb.stage2.lookup(Ipa(fresh)).ok()); // its notify, its time
    EXPECT_EQ(link.port[1][0].q[NET_RX].reached, 2u);
    a.send(0, 100, 7);
    EXPECT_EQ(a.set(R_NOTIFY, NET_TX), MmioResult::done);
    ASSERT_EQ(b.used_idx(NET_RX), 1u);
    EXPECT_EQ(b.ram(fresh)[12], 7u);
}

TEST_F(LinkTest, ALargeFrameSpansMergeableBuffers) {
    ASSERT_TRUE(a.start());
    ASSERT_TRUE(b.start());
    b.post_rx(8, 1536);
    a.send(0, 4000, 3); // 4012 bytes: three buffers of 1536
    a.set(R_NOTIFY, NET_TX);
    ASSERT_EQ(b.used_idx(NET_RX), 3u);
    EXPECT_EQ(b.used(NET_RX, 0).second, 1536u);
    EXPECT_EQ(b.used(NET_RX, 1).second, 1536u);
    EXPECT_EQ(b.used(NET_RX, 2).second, 4012u - 2 * 1536);
    u16 num_buffers = 0;
    std::memcpy(&num_buffers, b.ram(RX_BUF) + 10, 2);
    EXPECT_EQ(num_buffers, 3u);
    const u32 k = 3000; // a byte in the second buffer
    EXPECT_EQ(b.ram(RX_BUF + BUF_STRIDE)[k + 12 - 1536], static_cast<u8>(3 + k));
}

TEST_F(LinkTest, OffloadsCrossOnlyToAReceiverThatTookThem) {
    ASSERT_TRUE(a.start());
    ASSERT_TRUE(b.start());
    b.post_rx(8);
    // Checksum left to do, and a TCP segment larger than the MTU: b took both.
    a.send(0, 3000, 1, HDR_F_NEEDS_CSUM, HDR_GSO_TCPV4);
    a.set(R_NOTIFY, NET_TX);
    ASSERT_EQ(b.used_idx(NET_RX), 1u);
    EXPECT_EQ(b.ram(RX_BUF)[0], HDR_F_NEEDS_CSUM);
    EXPECT_EQ(b.ram(RX_BUF)[1], HDR_GSO_TCPV4);
    EXPECT_EQ(b.ram(RX_BUF)[4], 0x55);
    // A receiver that did not take them gets no such frame: dropped, and said once.
    ASSERT_TRUE(b.start(F_VERSION_1 | NET_F_MAC | NET_F_MRG_RXBUF));
    b.post_rx(8);
    FakeSystem::console().clear();
    a.send(1, 100, 1, HDR_F_NEEDS_CSUM);
    a.send(2, 100, 1, 0, HDR_GSO_TCPV6);
    a.send(3, 100, 1, 0, HDR_GSO_NONE | HDR_GSO_ECN);
    a.send(4, 100, 1, 0x40); // an unknown flag
    a.send(5, 100, 1);       // a plain frame still goes
    a.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(link.dropped[0], 4u);
    EXPECT_EQ(b.used_idx(NET_RX), 1u);
    EXPECT_NE(FakeSystem::console().find("vm a: virtio-net: dropped a 112-byte frame with header flags 0x1"),
              std::string::npos)
        << FakeSystem::console();
    // Nor may a sender that did not take them send them.
    ASSERT_TRUE(a.start(F_VERSION_1 | NET_F_MAC));
    ASSERT_TRUE(b.start());
    b.post_rx(8);
    a.send(0, 100, 1, HDR_F_NEEDS_CSUM);
    a.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(b.used_idx(NET_RX), 0u);
    EXPECT_EQ(link.dropped[0], 5u);
}

TEST_F(LinkTest, FramesWaitForReceiveBuffersAndAreDroppedWhenThePeerIsDown) {
    ASSERT_TRUE(a.start());
    // b's driver has not started: the frame is dropped, and a gets its buffer back.
    a.send(0, 64, 0);
    a.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(a.used_idx(NET_TX), 1u);
    EXPECT_EQ(link.dropped[0], 1u);
    // b is up but has no buffer yet: the frame waits...
    ASSERT_TRUE(b.start());
    a.send(1, 64, 9);
    a.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(a.used_idx(NET_TX), 1u);
    EXPECT_EQ(b.used_idx(NET_RX), 0u);
    // ...until b posts one.
    b.post_rx(1);
    b.set(R_NOTIFY, NET_RX);
    EXPECT_EQ(b.used_idx(NET_RX), 1u);
    EXPECT_EQ(b.ram(RX_BUF)[12], 9u);
    EXPECT_EQ(a.used_idx(NET_TX), 2u);
    // Without mergeable buffers, a buffer too small for the frame is the receiver's loss.
    ASSERT_TRUE(b.start(F_VERSION_1 | NET_F_MAC));
    b.post_rx(1, 64);
    a.send(2, 200, 0);
    a.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(link.dropped[0], 2u);
    EXPECT_EQ(b.used_idx(NET_RX), 0u);
    // A mergeable receiver whose whole ring is posted and still too small for the frame: dropped, not a stuck cable.
    ASSERT_TRUE(b.start());
    b.post_rx(NUM, 16);
    a.send(3, 4000, 0);
    a.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(link.dropped[0], 3u);
    EXPECT_EQ(a.used_idx(NET_TX), 4u);
    // A stopped VM receives nothing.
    ASSERT_TRUE(b.start());
    b.post_rx(1);
    vm_stop(sys.vm(1), StopReason::poweroff, 0, "");
    a.send(4, 64, 0);
    a.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(link.dropped[0], 4u);
}

TEST_F(LinkTest, AFailoverStandbysTwinIsUnpluggedUntilTheCableMovesToIt) {
    // VM c is the standby of a (side 0): its twin device has a's MAC address, link down.
    net_link_spare(link, 0, sys.vm(2), vplat::VIRTIO_INTID);
    Driver c{sys.vm(2), link.port[0][1]};
    auto status = [&](Driver& d) { return d.reg(0x104) >> 16; }; // (mac[4], mac[5], status le16)
    EXPECT_EQ(c.reg(0x104) & 0xffff, a.reg(0x104) & 0xffff);
    EXPECT_EQ(status(a), u64{NET_S_LINK_UP});
    EXPECT_EQ(status(c), 0u);
    ASSERT_TRUE(a.start());
    ASSERT_TRUE(b.start());
    ASSERT_TRUE(c.start());
    b.post_rx(4);
    c.post_rx(4);
    b.set(R_NOTIFY, NET_RX);
    c.set(R_NOTIFY, NET_RX);
    // Unplugged, what c sends goes nowhere (its buffer comes back), and nothing reaches it.
    c.send(0, 50, 9);
    EXPECT_EQ(c.set(R_NOTIFY, NET_TX), MmioResult::done);
    EXPECT_EQ(c.used_idx(NET_TX), 1u);
    EXPECT_EQ(b.used_idx(NET_RX), 0u);
    a.send(0, 50, 1);
    a.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(b.used_idx(NET_RX), 1u);
    b.send(0, 70, 2); // a has no receive buffer: it waits
    b.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(b.used_idx(NET_TX), 0u);
    EXPECT_EQ(c.used_idx(NET_RX), 0u);
    // a fails; its cable moves to c, which is told (a configuration change) and gets the waiting frame.
    net_hand_over(&link.port[0][0], &link.port[0][1]);
    EXPECT_EQ(status(c), u64{NET_S_LINK_UP});
    EXPECT_EQ(status(a), 0u);
    EXPECT_EQ(c.reg(R_IRQ_STATUS) & IRQ_CONFIG, u64{IRQ_CONFIG});
    EXPECT_TRUE(line(2, vplat::VIRTIO_INTID));
    ASSERT_EQ(c.used_idx(NET_RX), 1u);
    EXPECT_EQ(c.ram(RX_BUF)[12], 2u);
    EXPECT_EQ(b.used_idx(NET_TX), 1u);
    // From now on c is the link's end 0, both ways; a's sends go nowhere.
    c.send(1, 40, 5);
    c.set(R_NOTIFY, NET_TX);
    ASSERT_EQ(b.used_idx(NET_RX), 2u);
    EXPECT_EQ(b.ram(RX_BUF + BUF_STRIDE)[12], 5u);
    a.send(1, 40, 6);
    a.set(R_NOTIFY, NET_TX);
    EXPECT_EQ(a.used_idx(NET_TX), 2u);
    EXPECT_EQ(b.used_idx(NET_RX), 2u);
}

TEST_F(LinkTest, OneNotificationMovesABoundedShareAndIsRepeatedForTheRest) {
    ASSERT_TRUE(a.start());
    ASSERT_TRUE(b.start());
    b.post_rx(100);
    for (u16 i = 0; i < 100; ++i) a.send(i, 4000, static_cast<u8>(i));
    // 100 frames of 4 KiB are more than one exit moves: the guest's write is repeated.
    int tries = 1;
    while (a.set(R_NOTIFY, NET_TX) == MmioResult::retry) ++tries;
    EXPECT_EQ(tries, 2);
    EXPECT_EQ(b.used_idx(NET_RX), 100u);
    EXPECT_EQ(b.ram(RX_BUF + 99 * BUF_STRIDE)[12], 99u);
}

TEST_F(LinkTest, RingsAGuestLiesAboutStopItsOwnDeviceOnly) {
    struct Lie {
        const char* what;
        void (*tell)(Driver&);
        const char* says;
    };
    const Lie lies[] = {
        {"a buffer outside its RAM",
         [](Driver& d) {
             d.desc(NET_TX, 0, RAM + 4 * MiB - 8, 64, 0);
             d.offer(NET_TX, 0);
         },
         "a buffer outside its RAM"},
        {"a chain that loops",
         [](Driver& d) {
             d.desc(NET_TX, 0, TX_BUF, 64, 1, 1);
             d.desc(NET_TX, 1, TX_BUF, 64, 1, 0);
             d.offer(NET_TX, 0);
         },
         "loops"},
        {"a head beyond the table", [](Driver& d) { d.offer(NET_TX, NUM); }, "names descriptor 128 of 128"},
        {"an index far ahead",
         [](Driver& d) {
             const u16 idx = 1000;
             std::memcpy(d.ram(TX_AVAIL) + 2, &idx, 2);
         },
         "1000 entries ahead"},
        {"an indirect table",
         [](Driver& d) {
             d.desc(NET_TX, 0, TX_BUF, 64, 4);
             d.offer(NET_TX, 0);
         },
         "indirect"},
        {"a writable transmit buffer",
         [](Driver& d) {
             d.desc(NET_TX, 0, TX_BUF, 64, 2);
             d.offer(NET_TX, 0);
         },
         "device-writable"},
        {"a next beyond the table",
         [](Driver& d) {
             d.desc(NET_TX, 0, TX_BUF, 64, 1, 500);
             d.offer(NET_TX, 0);
         },
         "chained to 500"},
        {"a length that wraps",
         [](Driver& d) {
             d.desc(NET_TX, 0, TX_BUF, 0xffff'fff0, 0);
             d.offer(NET_TX, 0);
         },
         "over"},
    };
    for (const Lie& lie : lies) {
        SCOPED_TRACE(lie.what);
        ASSERT_TRUE(a.start());
        ASSERT_TRUE(b.start());
        b.post_rx(4);
        FakeSystem::console().clear();
        const std::vector<u8> before(b.ram(RAM), b.ram(RAM) + 4 * MiB);
        lie.tell(a);
        EXPECT_EQ(a.set(R_NOTIFY, NET_TX), MmioResult::done);
        EXPECT_TRUE(a.broken());
        EXPECT_NE(FakeSystem::console().find("vm a: virtio-net: "), std::string::npos);
        EXPECT_NE(FakeSystem::console().find(lie.says), std::string::npos) << FakeSystem::console();
        EXPECT_TRUE(line(0, vplat::VIRTIO_INTID)); // the configuration-change interrupt
        EXPECT_EQ(a.reg(R_IRQ_STATUS) & 2, 2u);
        EXPECT_FALSE(b.broken());
        EXPECT_TRUE(std::equal(before.begin(), before.end(), b.ram(RAM))); // b's memory untouched
        // A broken device does nothing more until it is reset; then it works.
        a.send(1, 64, 5);
        a.set(R_NOTIFY, NET_TX);
        EXPECT_EQ(b.used_idx(NET_RX), 0u);
        ASSERT_TRUE(a.start());
        EXPECT_FALSE(a.broken());
        a.send(1, 64, 5);
        a.set(R_NOTIFY, NET_TX);
        EXPECT_EQ(b.used_idx(NET_RX), 1u);
        EXPECT_EQ(sys.vm(0).state.load(), VmState::running); // its VM runs on
    }
    // A queue placed outside its RAM is refused when it is enabled.
    a.set(R_STATUS, 0);
    a.set(R_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    a.queue(NET_TX, NUM, TX_DESC, TX_AVAIL, 0x8000'0000);
    EXPECT_TRUE(a.broken());
    // A receiver's lie stops the receiver, not the sender.
    ASSERT_TRUE(a.start());
    ASSERT_TRUE(b.start());
    b.desc(NET_RX, 0, RAM + 64 * MiB, 4096, 2);
    b.offer(NET_RX, 0);
    a.send(0, 64, 0);
    a.set(R_NOTIFY, NET_TX);
    EXPECT_TRUE(b.broken());
    EXPECT_FALSE(a.broken());
}

TEST_F(LinkTest, AHostileDriverFuzzingItsRingsNeverTouchesAnotherVm) {
    ASSERT_TRUE(b.start());
    b.post_rx(NUM / 2, 2048);
    std::mt19937_64 rng(42);
    u8* c_ram = static_cast<u8*>(arch::phys_to_ptr(sys.vm(2).ram_pa));
    std::vector<u8> c_copy(c_ram, c_ram + sys.vm(2).ram.size);
    // b's memory outside its receive buffers and used ring must stay as it is.
    std::vector<u8> b_copy(b.ram(RAM), b.ram(RAM) + 0x10'0000);
    for (int round = 0; round < 2000; ++round) {
        if (round % 50 == 0 || a.broken()) {
            // A fresh start with honest descriptors, which the rounds then corrupt a little at a time.
            ASSERT_TRUE(a.start());
            for (u16 i = 0; i < NUM; ++i) a.desc(NET_TX, i, TX_BUF + (i % 64) * BUF_STRIDE, 12 + 60 + i, 0);
        }
        const u16 i = static_cast<u16>(rng() % NUM);
        switch (rng() % 6) {
        case 0: a.desc(NET_TX, i, rng() % 4 == 0 ? rng() : RAM + rng() % (4 * MiB), 64, 0); break;
        case 1: a.desc(NET_TX, i, TX_BUF, static_cast<u32>(rng() % 70000), 0); break;
        case 2: a.desc(NET_TX, i, TX_BUF, 64, static_cast<u16>(rng() % 8), static_cast<u16>(rng() % (NUM + 8))); break;
        case 3: {
            const u16 idx = static_cast<u16>(rng());
            std::memcpy(a.ram(TX_AVAIL) + 2, &idx, 2);
            break;
        }
        default: break; // an honest frame
        }
        a.offer(NET_TX, rng() % 16 == 0 ? static_cast<u16>(rng()) : i);
        const MmioResult r = a.set(R_NOTIFY, NET_TX);
        ASSERT_TRUE(r == MmioResult::done || r == MmioResult::retry);
        if (rng() % 8 == 0) {
            b.recycle(); // b keeps taking frames
            b.set(R_NOTIFY, NET_RX);
        }
    }
    // (The campaign reached both sides of the checks: frames crossed, and lies were caught.)
    EXPECT_GT(link.frames[0], 100u);
    EXPECT_NE(FakeSystem::console().find("vm a: virtio-net: "), std::string::npos);
    std::printf("fuzz: %llu frames crossed, %llu dropped\n", static_cast<unsigned long long>(link.frames[0]),
                static_cast<unsigned long long>(link.dropped[0]));
    EXPECT_TRUE(std::equal(c_copy.begin(), c_copy.end(), c_ram));
    EXPECT_TRUE(std::equal(b_copy.begin(), b_copy.end(), b.ram(RAM)));
    EXPECT_FALSE(b.broken());
    EXPECT_EQ(sys.vm(1).state.load(), VmState::running);
}

} // namespace

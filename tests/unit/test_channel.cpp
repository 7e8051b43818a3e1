// test_channel.cpp — channels on the fake machine: the same pages in both endpoints and no other VM, each VM's own
// numbering, and doorbells that raise the peer's interrupt.
#include <gtest/gtest.h>

#include "channel.hpp"
#include "fake_system.hpp"
#include "vgic.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
namespace hv = tessera::abi;

namespace {

// a on core 1, b on core 2, c on core 3; channels: x (a–b), y (b–c).
FakeSystem three_vms() {
    return FakeSystem({{"a", {1}}, {"b", {2}}, {"c", {3}}}, 4,
                      {ChannelDesc{"x", 64 * KiB, {0, 1}}, ChannelDesc{"y", 8 * KiB, {2, 1}}});
}

TEST(Channel, MappedInBothEndpointsAndNowhereElse) {
    FakeSystem sys = three_vms();
    const Ipa x(vplat::CHANNEL_BASE), y(vplat::CHANNEL_BASE + vplat::CHANNEL_SLOT);
    const auto in_a = sys.vm(0).stage2.lookup(x), in_b = sys.vm(1).stage2.lookup(x);
    ASSERT_TRUE(in_a.ok());
    ASSERT_TRUE(in_b.ok());
    EXPECT_EQ(in_a.value().pa, in_b.value().pa);
    EXPECT_TRUE(in_a.value().attrs.write);
    EXPECT_FALSE(in_a.value().attrs.exec);
    EXPECT_FALSE(sys.vm(2).stage2.lookup(x).ok()); // c is no endpoint of x
    EXPECT_FALSE(sys.vm(0).stage2.lookup(y).ok()); // nor a of y
    EXPECT_TRUE(sys.vm(2).stage2.lookup(y).ok());
    EXPECT_FALSE(sys.vm(0).stage2.lookup(x + 64 * KiB).ok()); // nothing past its size
    u64 audited = 0;
    EXPECT_TRUE(vm_memory_private(sys.vm(0), audited)); // shared pages are not anyone's RAM
}

TEST(Channel, EachVmNumbersItsOwnChannels) {
    FakeSystem sys = three_vms();
    // b is in both: x is its 0, y its 1; c's only channel, y, is its 0.
    Vcpu& b = sys.vcpu(1, 0);
    EXPECT_EQ(FakeSystem::call(b, hv::TESSERA_CHANNEL_INFO, 1), 0u);
    EXPECT_EQ(b.ctx.regs.x[1], vplat::CHANNEL_BASE + vplat::CHANNEL_SLOT);
    EXPECT_EQ(b.ctx.regs.x[2], 8 * KiB);
    EXPECT_EQ(b.ctx.regs.x[3], (vplat::CHANNEL_INTID + 1) | 1ull << 32 | 2ull << 40); // side 1, peer c
    Vcpu& c = sys.vcpu(2, 0);
    EXPECT_EQ(FakeSystem::call(c, hv::TESSERA_CHANNEL_INFO, 0), 0u);
    EXPECT_EQ(c.ctx.regs.x[3], vplat::CHANNEL_INTID | 0ull << 32 | 1ull << 40); // side 0, peer b
    EXPECT_EQ(FakeSystem::call(c, hv::TESSERA_CHANNEL_INFO, 1), static_cast<u64>(hv::PSCI_INVALID_PARAMETERS));
    EXPECT_EQ(FakeSystem::call(c, hv::TESSERA_CHANNEL_INFO, ~0ull), static_cast<u64>(hv::PSCI_INVALID_PARAMETERS));
}

TEST(Channel, RingingRaisesThePeersDoorbellOnly) {
    FakeSystem sys = three_vms();
    Vcpu& b = sys.vcpu(1, 0);
    Vcpu& c = sys.vcpu(2, 0);
    // c rings y (its 0): b's doorbell for y is SPI 65, since y is b's channel 1.
    EXPECT_EQ(FakeSystem::call(c, hv::TESSERA_CHANNEL_RING, 0), 0u);
    VirqState& s = sys.vm(1).vgic.spi[vplat::CHANNEL_INTID + 1 - 32];
    EXPECT_TRUE(s.pending);
    EXPECT_FALSE(sys.vm(1).vgic.spi[vplat::CHANNEL_INTID - 32].pending);
    EXPECT_FALSE(sys.vm(0).vgic.spi[vplat::CHANNEL_INTID - 32].pending);
    // A flood is one pending interrupt until b takes it.
    for (int i = 0; i < 100; ++i) EXPECT_EQ(FakeSystem::call(c, hv::TESSERA_CHANNEL_RING, 0), 0u);
    EXPECT_TRUE(s.pending);
    EXPECT_EQ(FakeSystem::call(c, hv::TESSERA_CHANNEL_RING, 1), static_cast<u64>(hv::PSCI_INVALID_PARAMETERS));
    vm_stop(sys.vm(1), StopReason::poweroff, 0, "");
    EXPECT_EQ(FakeSystem::call(c, hv::TESSERA_CHANNEL_RING, 0), static_cast<u64>(hv::CHANNEL_PEER_DOWN));
    (void)b;
}

} // namespace

// test_vgic.cpp — the virtual GICv3 model: enable, priority order, active first, list-register overflow and refill,
// level vs edge, SGI routing (ICC_SGI1R), SPI affinity routing (GICD_IROUTER), waking and kicking the target.
#include <gtest/gtest.h>

#include <vector>

#include "fake_system.hpp"
#include "vgic.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
namespace hv = tessera::abi;

namespace {

constexpr u64 GICD_CTLR = 0x0, GICD_ISENABLER = 0x100, GICD_ICENABLER = 0x180, GICD_ISPENDR = 0x200, GICD_ICFGR = 0xc00,
              GICD_IROUTER = 0x6100;
constexpr u64 SGI_FRAME = 0x10000, GICR_ISENABLER0 = SGI_FRAME + 0x100, GICR_ICENABLER0 = SGI_FRAME + 0x180,
              GICR_ISPENDR0 = SGI_FRAME + 0x200, GICR_IPRIORITYR = SGI_FRAME + 0x400, GICR_ICFGR1 = SGI_FRAME + 0xc04;
constexpr u64 ENABLE_G1 = 2;

u64 gicd(Vcpu& v, u64 off, unsigned size = 4) {
    u64 value = 0;
    EXPECT_TRUE(vgicd_access(v, off, size, false, value));
    return value;
}
void gicd_write(Vcpu& v, u64 off, u64 value, unsigned size = 4) {
    EXPECT_TRUE(vgicd_access(v, off, size, true, value));
}
/// Register `off` of vCPU `v`'s own redistributor frames.
u64 gicr(Vcpu& v, u64 off) {
    u64 value = 0;
    EXPECT_TRUE(vgicr_access(v, v.index * VGICR_STRIDE + off, 4, false, value));
    return value;
}
void gicr_write(Vcpu& v, u64 off, u64 value, unsigned size = 4) {
    EXPECT_TRUE(vgicr_access(v, v.index * VGICR_STRIDE + off, size, true, value));
}

/// The INTIDs vgic_pick puts in (at most) `max` list registers, in order.
std::vector<u32> pick(Vcpu& v, unsigned max, bool* more = nullptr) {
    LrEntry lr[VGIC_MAX_LRS];
    bool m = false;
    const unsigned n = vgic_pick(v, lr, max, m);
    if (more != nullptr) *more = m;
    std::vector<u32> ids;
    for (unsigned i = 0; i < n; ++i) ids.push_back(lr[i].intid);
    return ids;
}

/// The guest is done with `intid` (the list register comes back empty).
void done(Vcpu& v, u32 intid) { vgic_writeback(v, LrEntry{intid, 0, false, false, false}); }

using Ids = std::vector<u32>;

// A pending SGI reaches a list register only while enabled (GICR_ISENABLER0 /
// ICENABLER0, read back); an SPI also needs the distributor's group enable.
// The fast path of an entry skips the list registers while the VM's vGIC
// generation is the one at which the vCPU's last look found nothing
// (vgic_sync_lrs_on_entry). So every change that can give it an interrupt
// must move the generation (or, for its own private interrupt, its quiet_at),
// and the next look must then find it: an
// injection, a device's line, a set-enable, a set-pending, the group enable,
// a route, a list register written back still pending.
TEST(Vgic, EveryChangeThatGivesWorkEndsTheQuietLook) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    Vm& vm = sys.vm(0);
    auto quiet = [&] { return vm.vgic.generation.load() == v.vgic.quiet_at; };
    gicd_write(v, GICD_CTLR, ENABLE_G1);
    gicr_write(v, GICR_ISENABLER0, 1u << 5);
    gicd_write(v, GICD_ISENABLER + 4, (1u << 8) | (1u << 9));
    EXPECT_EQ(pick(v, 4), Ids{});
    ASSERT_TRUE(quiet());

    vgic_inject(v, 5); // an SGI or PPI
    EXPECT_FALSE(quiet());
    EXPECT_EQ(pick(v, 4), Ids{5});
    done(v, 5);
    EXPECT_EQ(pick(v, 4), Ids{});
    ASSERT_TRUE(quiet());

    vgic_set_line(vm, 41, true); // a device's level line
    EXPECT_FALSE(quiet());
    EXPECT_EQ(pick(v, 4), Ids{41});
    vgic_set_line(vm, 41, false);
    done(v, 41);
    EXPECT_EQ(pick(v, 4), Ids{});
    ASSERT_TRUE(quiet());

    gicd_write(v, GICD_ISPENDR + 4, 1u << 8); // set-pending by the guest: SPI 40
    EXPECT_FALSE(quiet());
    EXPECT_EQ(pick(v, 4), Ids{40});
    // Written back still pending (the guest had not taken it): looked at again.
    vgic_writeback(v, LrEntry{40, 0, true, false, false});
    EXPECT_FALSE(quiet());
    EXPECT_EQ(pick(v, 4), Ids{40});
    done(v, 40);
    EXPECT_EQ(pick(v, 4), Ids{});

    vgic_inject(v, 42); // pending, but not enabled: no work yet ...
    EXPECT_EQ(pick(v, 4), Ids{});
    ASSERT_TRUE(quiet());
    gicd_write(v, GICD_ISENABLER + 4, 1u << 10); // ... until it is enabled
    EXPECT_FALSE(quiet());
    EXPECT_EQ(pick(v, 4), Ids{42});
}

// A private interrupt (an SGI, a PPI) gives work to its own vCPU only: the
// others of its VM stay quiet (their entries need no pick), while an SPI,
// which any of them may take, ends every vCPU's quiet look.
TEST(Vgic, APrivateInterruptEndsOnlyItsOwnVcpusQuietLook) {
    FakeSystem sys({{"vm", {1, 2}}});
    Vcpu& a = sys.vcpu(0, 0);
    Vcpu& b = sys.vcpu(0, 1);
    Vm& vm = sys.vm(0);
    auto quiet = [&](const Vcpu& v) { return vm.vgic.generation.load() == v.vgic.quiet_at; };
    gicd_write(a, GICD_CTLR, ENABLE_G1);
    gicr_write(b, GICR_ISENABLER0, 1u << 1);
    gicd_write(a, GICD_ISENABLER + 4, 1u << 8);
    EXPECT_EQ(pick(a, 4), Ids{});
    EXPECT_EQ(pick(b, 4), Ids{});
    ASSERT_TRUE(quiet(a) && quiet(b));

    vgic_send_sgi(a, u64{1} << 24 | 1u << 1); // SGI 1 to vCPU 1
    EXPECT_TRUE(quiet(a));
    EXPECT_FALSE(quiet(b));
    EXPECT_EQ(pick(b, 4), Ids{1});
    EXPECT_EQ(pick(a, 4), Ids{});
    ASSERT_TRUE(quiet(a) && quiet(b));
    // Written back still pending: its own vCPU looks again, not the other.
    vgic_writeback(b, LrEntry{1, 0, true, false, false});
    EXPECT_TRUE(quiet(a));
    EXPECT_FALSE(quiet(b));
    EXPECT_EQ(pick(b, 4), Ids{1});
    done(b, 1);
    EXPECT_EQ(pick(b, 4), Ids{});
    ASSERT_TRUE(quiet(a) && quiet(b));

    vgic_inject(a, 40); // an SPI, routed to vCPU 0 but any vCPU's look must end
    EXPECT_FALSE(quiet(a));
    EXPECT_FALSE(quiet(b));
    EXPECT_EQ(pick(a, 4), Ids{40});
}

TEST(Vgic, EnableGatesDelivery) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    vgic_inject(v, 5);
    EXPECT_EQ(pick(v, 4), Ids{});
    gicr_write(v, GICR_ISENABLER0, 1u << 5);
    EXPECT_EQ(gicr(v, GICR_ISENABLER0), 1u << 5);
    gicr_write(v, GICR_ICENABLER0, 1u << 5);
    EXPECT_EQ(gicr(v, GICR_ISENABLER0), 0u);
    EXPECT_EQ(pick(v, 4), Ids{});
    gicr_write(v, GICR_ISENABLER0, 1u << 5);
    EXPECT_EQ(pick(v, 4), Ids{5});

    vgic_inject(v, 40);
    gicd_write(v, GICD_ISENABLER + 4, 1u << 8);
    EXPECT_EQ(gicd(v, GICD_ISENABLER + 4), 1u << 8);
    EXPECT_EQ(pick(v, 4), Ids{}); // GICD_CTLR.EnableGrp1 is off
    gicd_write(v, GICD_CTLR, ENABLE_G1);
    EXPECT_EQ(pick(v, 4), Ids{40});
    gicd_write(v, GICD_ICENABLER + 4, 1u << 8);
    EXPECT_EQ(gicd(v, GICD_ISENABLER + 4), 0u);
}

// Pending interrupts go to list registers by priority value (lower first),
// INTID breaking ties; an active one comes back before any pending one.
TEST(Vgic, PriorityOrderAndActiveFirst) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    gicr_write(v, GICR_ISENABLER0, 0xffff);
    gicr_write(v, GICR_IPRIORITYR, 0x20a0'a000, 4); // SGI 0: 0x00, 1: 0xa0, 2: 0xa0, 3: 0x20
    gicr_write(v, GICR_IPRIORITYR + 4, 0x60, 1);    // SGI 4: 0x60
    EXPECT_EQ(gicr(v, GICR_IPRIORITYR), 0x20a0'a000u);
    for (u32 id : {1u, 2u, 3u, 4u}) vgic_inject(v, id);
    EXPECT_EQ(pick(v, 8), (Ids{3, 4, 1, 2}));
    // The guest acknowledged SGI 2 (active) and not yet the others.
    vgic_writeback(v, LrEntry{2, 0xa0, false, true, false});
    for (u32 id : {1u, 3u, 4u}) vgic_writeback(v, LrEntry{id, 0, true, false, false});
    EXPECT_EQ(pick(v, 8), (Ids{2, 3, 4, 1}));
}

// More interrupts than list registers: the most urgent fill them and `more`
// says others wait (the underflow refill); the rest come on the next pick.
TEST(Vgic, ListRegisterOverflowAndRefill) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    gicr_write(v, GICR_ISENABLER0, 0xffff);
    for (u32 id = 1; id <= 6; ++id) vgic_inject(v, id);
    bool more = false;
    EXPECT_EQ(pick(v, 4, &more), (Ids{1, 2, 3, 4}));
    EXPECT_TRUE(more);
    for (u32 id = 1; id <= 4; ++id) done(v, id);
    EXPECT_EQ(pick(v, 4, &more), (Ids{5, 6}));
    EXPECT_FALSE(more);
    done(v, 5);
    done(v, 6);
    EXPECT_EQ(pick(v, 4, &more), Ids{});
    // Later INTIDs more urgent: the four most urgent of eight, in order.
    for (u32 id = 1; id <= 8; ++id) {
        gicr_write(v, GICR_IPRIORITYR + id, 0x80 - 8 * id, 1);
        vgic_inject(v, id);
    }
    EXPECT_EQ(pick(v, 4, &more), (Ids{8, 7, 6, 5}));
    EXPECT_TRUE(more);
}

// A level SPI stays pending while its line is high (again after the guest's
// EOI) and stops when it drops; an edge SPI is pending once per edge, and an
// edge arriving while it sits in a list register is kept, not lost.
TEST(Vgic, LevelVersusEdge) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    Vm& vm = sys.vm(0);
    gicd_write(v, GICD_CTLR, ENABLE_G1);
    gicd_write(v, GICD_ISENABLER + 4, (1u << 8) | (1u << 9)); // SPIs 40, 41
    gicd_write(v, GICD_ICFGR + 8, 2u << (2 * 9));             // 41 edge (40 level, the reset value)
    EXPECT_EQ(gicd(v, GICD_ICFGR + 8), 2u << (2 * 9));

    vgic_set_line(vm, 40, true);
    EXPECT_EQ(pick(v, 4), Ids{40});
    vgic_writeback(v, LrEntry{40, 0, false, true, false}); // acknowledged: active
    EXPECT_EQ(pick(v, 4), Ids{40});                        // back in a list register while active
    done(v, 40);                                           // EOI, line still high
    EXPECT_EQ(pick(v, 4), Ids{40});
    vgic_set_line(vm, 40, false); // drops while in the list register
    done(v, 40);
    EXPECT_EQ(pick(v, 4), Ids{});
    EXPECT_EQ(gicd(v, GICD_ISPENDR + 4) & (1u << 8), 0u);

    vgic_inject(v, 41);
    EXPECT_EQ(pick(v, 4), Ids{41});
    done(v, 41);
    EXPECT_EQ(pick(v, 4), Ids{}); // one edge, one delivery
    vgic_inject(v, 41);
    EXPECT_EQ(pick(v, 4), Ids{41});
    vgic_inject(v, 41); // a second edge while in the list register
    done(v, 41);
    EXPECT_EQ(pick(v, 4), Ids{41});
}

// ICC_SGI1R: a target list reaches exactly the vCPUs named (Aff0 bits);
// IRM (bit 40) reaches all but the sender; a running target's core is kicked
// (the sender's own is not: it looks again before it enters a guest).
// An emulated level interrupt whose line is high goes into its list
// register asking to be told of its end (the EOI maintenance interrupt), so
// that a line still high is pending again at once; one pending only by
// software (ISPENDR, a channel's doorbell), an edge, an SGI and a forwarded
// interrupt do not ask (their end needs nothing from EL2: each costs an
// exit).
TEST(Vgic, OnlyAnEmulatedLevelInterruptAsksToBeToldOfItsEnd) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    Vm& vm = sys.vm(0);
    gicd_write(v, GICD_CTLR, ENABLE_G1);
    gicr_write(v, GICR_ISENABLER0, 1u << 3);
    gicd_write(v, GICD_ISENABLER + 4, (1u << 8) | (1u << 9)); // SPIs 40 (level), 41
    gicd_write(v, GICD_ICFGR + 8, 2u << (2 * 9));             // 41 edge
    auto entry = [&](u32 intid) {
        LrEntry lr[VGIC_MAX_LRS];
        bool more = false;
        const unsigned n = vgic_pick(v, lr, VGIC_MAX_LRS, more);
        EXPECT_EQ(n, 1u);
        EXPECT_EQ(lr[0].intid, intid);
        return lr[0];
    };
    vgic_set_line(vm, 40, true);
    EXPECT_TRUE(entry(40).level);
    done(v, 40); // ended with the line still high: asks again
    EXPECT_TRUE(entry(40).level);
    vgic_set_line(vm, 40, false);
    done(v, 40);
    gicd_write(v, GICD_ISPENDR + 4, 1u << 8); // pending by the guest's own write, its line low
    EXPECT_FALSE(entry(40).level);
    done(v, 40);
    vgic_inject(v, 41);
    EXPECT_FALSE(entry(41).level);
    done(v, 41);
    vgic_inject(v, 3);
    EXPECT_FALSE(entry(3).level);
    done(v, 3);
    vgic_inject(v, VGIC_VTIMER_INTID, true);
    gicr_write(v, GICR_ISENABLER0, 1u << VGIC_VTIMER_INTID);
    EXPECT_FALSE(entry(VGIC_VTIMER_INTID).level);
}

TEST(Vgic, SgiRoutingBetweenVcpus) {
    FakeSystem sys({{"smp", {1, 2, 3}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v1 = sys.vcpu(0, 1);
    Vcpu& v2 = sys.vcpu(0, 2);
    for (u64 i : {1, 2}) ASSERT_EQ(FakeSystem::call(v0, hv::PSCI_CPU_ON, i, FakeSystem::RAM_IPA, 0), 0u);
    ASSERT_EQ(FakeSystem::run(2), &v1);
    ASSERT_EQ(FakeSystem::run(3), &v2);
    const unsigned k2 = arch::fake::machine().kicks[2], k3 = arch::fake::machine().kicks[3];
    arch::fake::machine().core = 1;              // (v0's core sends)
    vgic_send_sgi(v0, (7ull << 24) | (1u << 2)); // SGI 7 to Aff0 = 2
    EXPECT_EQ(gicr(v2, GICR_ISPENDR0), 1u << 7);
    EXPECT_EQ(gicr(v1, GICR_ISPENDR0), 0u);
    EXPECT_EQ(gicr(v0, GICR_ISPENDR0), 0u);
    EXPECT_EQ(arch::fake::machine().kicks[3], k3 + 1);
    EXPECT_EQ(arch::fake::machine().kicks[2], k2);

    vgic_send_sgi(v0, (1ull << 16) | (3ull << 24) | 0x7); // Aff1 = 1: nobody there
    for (Vcpu* v : {&v0, &v1, &v2}) EXPECT_EQ(gicr(*v, GICR_ISPENDR0) & (1u << 3), 0u);

    vgic_send_sgi(v1, (1ull << 40) | (9ull << 24)); // SGI 9 to all but self
    EXPECT_EQ(gicr(v0, GICR_ISPENDR0), 1u << 9);
    EXPECT_EQ(gicr(v2, GICR_ISPENDR0), (1u << 7) | (1u << 9));
    EXPECT_EQ(gicr(v1, GICR_ISPENDR0), 0u);
}

// A target list naming several vCPUs reaches each of them; the range
// selector (RS) names vCPUs 16 and up (Aff0 = RS * 16 + bit).
TEST(Vgic, SgiToSeveralTargetsAndThroughTheRangeSelector) {
    FakeSystem sys({{"smp", std::vector<u8>(18, 1)}});
    Vcpu& v0 = sys.vcpu(0, 0);
    arch::fake::machine().core = 1;
    vgic_send_sgi(v0, (4ull << 24) | 0x6); // SGI 4 to vCPUs 1 and 2
    for (unsigned i = 0; i < 18; ++i)
        EXPECT_EQ(gicr(sys.vcpu(0, i), GICR_ISPENDR0), i == 1 || i == 2 ? 1u << 4 : 0u) << "vCPU " << i;
    vgic_send_sgi(v0, (1ull << 44) | (6ull << 24) | 0x2); // RS 1, bit 1: SGI 6 to vCPU 17
    for (unsigned i = 0; i < 18; ++i)
        EXPECT_EQ(gicr(sys.vcpu(0, i), GICR_ISPENDR0) & (1u << 6), i == 17 ? 1u << 6 : 0u) << "vCPU " << i;
    vgic_send_sgi(v0, (2ull << 44) | (6ull << 24) | 0x1); // RS 2: vCPU 32, which it does not have
    EXPECT_EQ(gicr(sys.vcpu(0, 0), GICR_ISPENDR0) & (1u << 6), 0u);
}

// A short exit leaves the list registers the guest's (entry.S): an
// interrupt the guest finished there fires again straight into the same
// register (vgic_inject_again; place_now for a self-IPI), the model
// unchanged — but only while the model agrees: enabled, not pending or
// active by another way, no edge latched. Otherwise the usual way.
TEST(Vgic, AFinishedListRegisterIsRefilledOnlyWhenTheModelAgrees) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    ASSERT_EQ(FakeSystem::run(1), &v);
    g_cores[1].loaded = &v; // (as the arch's run_vcpu leaves it)
    gicr_write(v, GICR_ISENABLER0, (1u << VGIC_VTIMER_INTID) | (1u << 3));
    (void)pick(v, 4);
    vgic_inject(v, VGIC_VTIMER_INTID, true); // (from its own core: straight into a list register)
    ASSERT_EQ(arch::fake::machine().placed.size(), 1u);
    VirqState& t = v.vgic.priv[VGIC_VTIMER_INTID];
    ASSERT_TRUE(t.in_lr);
    auto& fm = arch::fake::machine();
    auto finish = [&](u32 intid, bool hw) { fm.finished.push_back({&v, intid, hw}); };

    finish(VGIC_VTIMER_INTID, true);
    EXPECT_TRUE(vgic_inject_again(v, VGIC_VTIMER_INTID));
    EXPECT_EQ(fm.refills, 1u);
    EXPECT_TRUE(t.in_lr);
    EXPECT_FALSE(t.pending);

    // The guest's list register not finished yet: the usual way.
    EXPECT_FALSE(vgic_inject_again(v, VGIC_VTIMER_INTID));
    // Disabled meanwhile (another vCPU's redistributor write), pending or
    // active by a guest's write, an edge latched: the model says no.
    finish(VGIC_VTIMER_INTID, true);
    t.enabled = false;
    EXPECT_FALSE(vgic_inject_again(v, VGIC_VTIMER_INTID));
    t.enabled = true;
    t.active = true;
    EXPECT_FALSE(vgic_inject_again(v, VGIC_VTIMER_INTID));
    t.active = false;
    t.edge_latch = true;
    EXPECT_FALSE(vgic_inject_again(v, VGIC_VTIMER_INTID));
    t.edge_latch = false;
    EXPECT_EQ(fm.refills, 1u);
    EXPECT_TRUE(vgic_inject_again(v, VGIC_VTIMER_INTID));
    EXPECT_EQ(fm.refills, 2u);

    // A self-IPI the same way, through the usual injection (place_now).
    vgic_inject(v, 3);
    ASSERT_TRUE(v.vgic.priv[3].in_lr);
    const u32 generation = v.vm->vgic.generation.load();
    finish(3, false);
    vgic_inject(v, 3);
    EXPECT_EQ(fm.refills, 3u);
    EXPECT_FALSE(v.vgic.priv[3].pending);
    EXPECT_FALSE(v.vgic.priv[3].edge_latch);
    EXPECT_EQ(v.vm->vgic.generation.load(), generation); // (nothing new waits)
    ASSERT_EQ(v.vgic.quiet_at, generation);
    // Not finished: latched, for the write-back to make it pending again,
    // and the vCPU's next entry looks again.
    vgic_inject(v, 3);
    EXPECT_TRUE(v.vgic.priv[3].edge_latch);
    EXPECT_NE(v.vm->vgic.generation.load(), v.vgic.quiet_at);
}

// ICC_SGI1R names Aff3.Aff2.Aff1 as well: a target list in another Aff2 or
// Aff3 cluster reaches none of the VM's vCPUs (all at Aff3 = Aff2 = 0).
TEST(Vgic, SgiToAnotherAff2OrAff3ClusterReachesNobody) {
    FakeSystem sys({{"smp", {1, 2}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v1 = sys.vcpu(0, 1);
    vgic_send_sgi(v1, (1ull << 32) | (5ull << 24) | 1);
    vgic_send_sgi(v1, (1ull << 48) | (6ull << 24) | 1);
    EXPECT_EQ(gicr(v0, GICR_ISPENDR0), 0u);
}

// GICD_IROUTER routes an SPI to the vCPU of that affinity (read back as
// written); IRM = 1 or an affinity no vCPU has means vCPU 0; only 64-bit
// accesses are allowed.
TEST(Vgic, SpiAffinityRouting) {
    FakeSystem sys({{"smp", {1, 2, 3}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v2 = sys.vcpu(0, 2);
    gicd_write(v0, GICD_CTLR, ENABLE_G1);
    gicd_write(v0, GICD_ISENABLER + 4, 1u << 8); // SPI 40
    const u64 router = GICD_IROUTER + u64{8} * (40 - 32);
    gicd_write(v0, router, 2, 8);
    EXPECT_EQ(gicd(v0, router, 8), 2u);
    vgic_inject(v0, 40);
    EXPECT_EQ(pick(v0, 4), Ids{});
    EXPECT_EQ(pick(v2, 4), Ids{40});
    done(v2, 40);

    gicd_write(v0, router, (1ull << 31) | 2, 8); // IRM: any vCPU, delivered to vCPU 0
    vgic_inject(v2, 40);
    EXPECT_EQ(pick(v2, 4), Ids{});
    EXPECT_EQ(pick(v0, 4), Ids{40});
    done(v0, 40);

    gicd_write(v0, router, 7, 8); // no vCPU 7
    vgic_inject(v2, 40);
    EXPECT_EQ(pick(v0, 4), Ids{40});

    u64 value = 2; // a 32-bit write of the low half (the architecture allows it): vCPU 2
    EXPECT_TRUE(vgicd_access(v0, router, 4, true, value));
    done(v0, 40);
    vgic_inject(v0, 40);
    EXPECT_EQ(pick(v2, 4), Ids{40});
}

// An injection wakes the target blocked in WFI (queued on its core), kicks
// the core of a running target, and leaves a vCPU that is off alone.
// A guest that sets an SPI pending through GICD_ISPENDR (or enables a
// pending one) tells its target: woken from WFI if it sleeps, its core
// kicked if it runs (it may sleep in native WFI, which only a virtual
// interrupt ends); likewise GICR_ISPENDR0 for the redistributor's vCPU.
TEST(Vgic, SetPendingThroughTheDistributorWakesItsTarget) {
    FakeSystem sys({{"smp", {1, 2}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v1 = sys.vcpu(0, 1);
    ASSERT_EQ(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, FakeSystem::RAM_IPA, 0), 0u);
    ASSERT_EQ(FakeSystem::run(2), &v1);
    gicd_write(v0, 0x0000, 2);            // CTLR: group 1 on
    gicd_write(v0, 0x6100 + 8 * 8, 1, 8); // IROUTER40: vCPU 1
    gicd_write(v0, 0x0104, 1u << 8);      // ISENABLER1: SPI 40
    arch::fake::machine().core = 2;
    vcpu_wait_for_interrupt(v1, 0, 0);
    ASSERT_EQ(v1.state, VcpuState::blocked);
    ASSERT_EQ(FakeSystem::run(2), nullptr);
    arch::fake::machine().core = 1;
    gicd_write(v0, 0x0204, 1u << 8); // ISPENDR1: SPI 40
    EXPECT_EQ(v1.state, VcpuState::runnable);
    EXPECT_EQ(FakeSystem::run(2), &v1);
    EXPECT_EQ(pick(v1, 4), Ids{40});
    // Running on core 2: kicked, from core 1.
    arch::fake::machine().core = 1;
    const unsigned k2 = arch::fake::machine().kicks[2];
    gicd_write(v0, 0x0204, 1u << 9); // SPI 41: not enabled, routed to vCPU 0
    EXPECT_EQ(arch::fake::machine().kicks[2], k2);
    gicr_write(v0, VGICR_STRIDE + 0x10000 + 0x200, 1u << 5); // vCPU 1's ISPENDR0: SGI 5
    EXPECT_EQ(arch::fake::machine().kicks[2], k2 + 1);
}

// Access widths the GICv3 architecture allows answer as hardware would, and
// a redistributor's registers reach its own SGIs and PPIs only: a 64-bit
// IPRIORITYR write at its last word leaves SPI 32-35 alone.
TEST(Vgic, ArchitecturalWidthsAndTheRedistributorsReach) {
    FakeSystem sys({{"duo", {1, 2}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    gicd_write(v0, 0x0420, 0x5050'5050); // SPIs 32-35: priority 0x50
    gicr_write(v0, 0x10000 + 0x41c, 0x1111'1111'2222'2222ull, 8);
    EXPECT_EQ(gicd(v0, 0x0420), 0x5050'5050u);
    EXPECT_EQ(gicr(v0, 0x10000 + 0x41c), 0x2222'2222u); // PPIs 28-31 took it
    // GICD_IROUTER: a 32-bit half at a time, and the whole.
    gicd_write(v0, 0x6100 + 8 * 8, 1);     // IROUTER40, low half: Aff0 = 1
    gicd_write(v0, 0x6100 + 8 * 8 + 4, 0); // high half
    EXPECT_EQ(gicd(v0, 0x6100 + 8 * 8, 8), 1u);
    EXPECT_EQ(gicd(v0, 0x6100 + 8 * 8 + 4), 0u);
    // The private bank's IPRIORITYR in the distributor: RAZ/WI at any width.
    gicd_write(v0, 0x0404, 0x7f, 1);
    EXPECT_EQ(gicd(v0, 0x0404, 1), 0u);
}

TEST(Vgic, InjectionWakesABlockedVcpuAndKicksARunningOne) {
    FakeSystem sys({{"smp", {1, 2, 2}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v1 = sys.vcpu(0, 1);
    Vcpu& v2 = sys.vcpu(0, 2);
    ASSERT_EQ(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, FakeSystem::RAM_IPA, 0), 0u);
    ASSERT_EQ(FakeSystem::run(2), &v1);
    arch::fake::machine().core = 2;
    vcpu_wait_for_interrupt(v1, 0, 0);
    ASSERT_EQ(v1.state, VcpuState::blocked);
    ASSERT_EQ(FakeSystem::run(2), nullptr);
    const unsigned k2 = arch::fake::machine().kicks[2];
    vgic_inject(v1, 2);
    EXPECT_EQ(v1.state, VcpuState::runnable);
    EXPECT_EQ(arch::fake::machine().kicks[2], k2 + 1);
    EXPECT_EQ(FakeSystem::run(2), &v1);

    ASSERT_EQ(FakeSystem::run(1), &v0);
    const unsigned k1 = arch::fake::machine().kicks[1];
    arch::fake::machine().core = 0; // (from another core: a device's interrupt)
    vgic_inject(v0, 2);
    EXPECT_EQ(arch::fake::machine().kicks[1], k1 + 1);
    // On v0's own core (its exit, its self-IPI) no kick: that core looks
    // again before it enters the guest, and sees the interrupt.
    arch::fake::machine().core = 1;
    vgic_inject(v0, 3);
    EXPECT_EQ(arch::fake::machine().kicks[1], k1 + 1);
    EXPECT_EQ(gicr(v0, GICR_ISPENDR0), (1u << 2) | (1u << 3));

    vgic_inject(v2, 2);
    EXPECT_EQ(v2.state, VcpuState::off);
    EXPECT_EQ(arch::fake::machine().kicks[2], k2 + 1);
}

// The list-register fast path: an interrupt for the vCPU whose exit its own
// core is handling (its timer, its self-IPI), with nothing else waiting for
// it, goes straight into a free list register: no pick at its entry, and the
// vGIC's generation stays. Every other case takes the slow way (the model,
// the vCPU's quiet look ended, a pick at entry), each tried from a quiet start:
// from another core, not in its exit (a scheduling decision already began),
// not loaded, something else waiting, no register free, not enabled, level.
// A scheduling decision hands what was placed back to the model, still
// pending.
TEST(Vgic, AnInterruptForTheVcpuInItsExitGoesStraightToAListRegister) {
    FakeSystem sys({{"smp", {1, 2}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vm& vm = sys.vm(0);
    auto& m = arch::fake::machine();
    PerCore& core = g_cores[1];
    ASSERT_EQ(FakeSystem::run(1), &v0);
    gicr_write(v0, GICR_ISENABLER0, (1u << 2) | (1u << 3) | (1u << 19) | (1u << 20) | (1u << VGIC_VTIMER_INTID));
    gicr_write(v0, GICR_ICFGR1, 2u << 8); // PPI 20 edge; (PPI 19's level stays)
    // v0 exits on core 1, having taken everything it had: quiet, in its exit.
    auto in_its_exit = [&] {
        for (const auto& p : m.placed) vgic_writeback(v0, LrEntry{p.entry.intid, 0, false, false, false});
        m.placed.clear();
        v0.lrs_used = 0;
        for (const u32 id : pick(v0, 4)) vgic_writeback(v0, LrEntry{id, 0, false, false, false});
        ASSERT_EQ(pick(v0, 4), Ids{});
        m.core = 1;
        core.loaded = &v0;     // (run_vcpu's doing on the hardware)
        core.deciding = false; // (it entered, and exited again)
    };
    auto generation = [&] { return vm.vgic.generation.load(); };
    auto slow = [&](const char* why, auto inject) {
        in_its_exit();
        ASSERT_EQ(generation(), v0.vgic.quiet_at) << why;
        inject();
        EXPECT_TRUE(m.placed.empty()) << why;
        EXPECT_NE(generation(), v0.vgic.quiet_at) << why; // (its next entry looks)
    };

    in_its_exit();
    const u32 g = generation();
    vgic_inject(v0, VGIC_VTIMER_INTID, true); // its timer
    ASSERT_EQ(m.placed.size(), 1u);
    EXPECT_EQ(m.placed[0].entry.intid, VGIC_VTIMER_INTID);
    EXPECT_TRUE(m.placed[0].entry.pending);
    EXPECT_TRUE(m.placed[0].entry.hw);
    vgic_inject(v0, 2); // a self-IPI: the next register
    ASSERT_EQ(m.placed.size(), 2u);
    EXPECT_EQ(v0.lrs_used, 2u);
    EXPECT_EQ(generation(), g);     // nobody has anything new to look at
    EXPECT_EQ(v0.vgic.quiet_at, g); // (not even v0)
    EXPECT_EQ(pick(v0, 4), Ids{});  // nothing left for the entry to pick
    vgic_inject(v0, 2);             // again, while in a register: latched in the model
    EXPECT_EQ(m.placed.size(), 2u);
    EXPECT_NE(generation(), v0.vgic.quiet_at); // (its next entry looks)

    // A scheduling decision (here: v0 yields) hands them back first, pending.
    vcpu_yield(v0);
    ASSERT_EQ(FakeSystem::run(1), &v0);
    EXPECT_TRUE(m.placed.empty());
    EXPECT_EQ(v0.lrs_used, 0u);
    EXPECT_FALSE(core.deciding); // (over: v0 entered)
    EXPECT_EQ(pick(v0, 4), (Ids{2, VGIC_VTIMER_INTID}));

    slow("from another core", [&] {
        m.core = 0;
        vgic_inject(v0, 3);
    });
    slow("after a scheduling decision began", [&] {
        core.deciding = true; // (e.g. a failover notice from the health work)
        vgic_inject(v0, 3);
    });
    slow("not loaded (its EL1 state borrowed)", [&] {
        core.loaded = nullptr;
        vgic_inject(v0, 3);
    });
    slow("something else waits", [&] {
        gicr_write(v0, GICR_ISPENDR0, 1u << 2);
        vgic_inject(v0, 3);
    });
    slow("no register free", [&] {
        m.lr_count = 0;
        vgic_inject(v0, 3);
        m.lr_count = 4;
    });
    slow("not enabled", [&] { vgic_inject(v0, 4); });
    slow("level-sensitive", [&] { vgic_inject(v0, 19); });
    in_its_exit();
    vgic_inject(v0, 20); // (edge: placed)
    EXPECT_EQ(m.placed.size(), 1u);
}

// WFI does not block while an enabled interrupt is pending; a pending but
// disabled one does not keep the vCPU awake.
TEST(Vgic, WfiBlocksOnlyWithoutAnEnabledPendingInterrupt) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    ASSERT_EQ(FakeSystem::run(1), &v);
    vgic_inject(v, 4);
    gicr_write(v, GICR_ISENABLER0, 1u << 4);
    EXPECT_FALSE(vgic_block_unless_pending(v));
    EXPECT_EQ(v.state, VcpuState::runnable);
    gicr_write(v, GICR_ICENABLER0, 1u << 4);
    EXPECT_TRUE(vgic_block_unless_pending(v));
    EXPECT_EQ(v.state, VcpuState::blocked);
}

// A forwarded (hardware) interrupt keeps its HW bit across a switch: the
// guest left it active, and it comes back active and linked on re-entry.
TEST(Vgic, ForwardedInterruptSurvivesAVcpuSwitch) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    gicr_write(v, GICR_ISENABLER0, 1u << VGIC_VTIMER_INTID);
    vgic_inject(v, VGIC_VTIMER_INTID, true);
    LrEntry lr[4];
    bool more = false;
    ASSERT_EQ(vgic_pick(v, lr, 4, more), 1u);
    EXPECT_TRUE(lr[0].hw);
    EXPECT_TRUE(lr[0].pending);
    vgic_writeback(v, LrEntry{VGIC_VTIMER_INTID, 0, false, true, true}); // switched out while active
    ASSERT_EQ(vgic_pick(v, lr, 4, more), 1u);
    EXPECT_EQ(lr[0].intid, VGIC_VTIMER_INTID);
    EXPECT_TRUE(lr[0].active);
    EXPECT_TRUE(lr[0].hw);
    EXPECT_FALSE(lr[0].pending);
}

// A forwarded timer interrupt the guest has not taken is withdrawn when its
// timer stops raising it; one the guest has taken (active), or one still in
// a list register, is not.
TEST(Vgic, WithdrawsOnlyAForwardedInterruptNotYetTaken) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    gicr_write(v, GICR_ISENABLER0, 1u << VGIC_PTIMER_INTID | 1u << VGIC_VTIMER_INTID);
    vgic_inject(v, VGIC_PTIMER_INTID, true);
    ASSERT_EQ(pick(v, 4), (Ids{VGIC_PTIMER_INTID}));
    EXPECT_FALSE(vgic_withdraw(v, VGIC_PTIMER_INTID)); // in a list register: the exit takes it back first
    vgic_writeback(v, LrEntry{VGIC_PTIMER_INTID, 0, true, false, true}); // still pending at the exit
    EXPECT_TRUE(vgic_withdraw(v, VGIC_PTIMER_INTID));
    EXPECT_EQ(pick(v, 4), Ids{});
    EXPECT_FALSE(vgic_withdraw(v, VGIC_PTIMER_INTID)); // (once)

    vgic_inject(v, VGIC_VTIMER_INTID, true);
    ASSERT_EQ(pick(v, 4), (Ids{VGIC_VTIMER_INTID}));
    vgic_writeback(v, LrEntry{VGIC_VTIMER_INTID, 0, false, true, true}); // acknowledged: the guest ends it
    EXPECT_FALSE(vgic_withdraw(v, VGIC_VTIMER_INTID));
    EXPECT_EQ(pick(v, 4), (Ids{VGIC_VTIMER_INTID}));

    const u32 spi = 40; // not forwarded: a software-pended interrupt is never withdrawn
    gicd_write(v, GICD_CTLR, ENABLE_G1);
    gicd_write(v, GICD_ISENABLER + 4, 1u << (spi - 32));
    gicd_write(v, GICD_ISPENDR + 4, 1u << (spi - 32));
    EXPECT_FALSE(vgic_withdraw(v, spi));
}

} // namespace

// test_psci.cpp — PSCI for guests on the fake machine: CPU_ON, CPU_OFF and AFFINITY_INFO with vCPUs running, asleep and
// off.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fake_system.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
namespace hv = tessera::abi;

namespace {

constexpr u64 ENTRY = FakeSystem::RAM_IPA + 0x100;
constexpr u64 TIMER_ENABLE = 1;

i64 as_status(u64 x0) { return static_cast<i64>(x0); }

/// vCPU `v`, on its core, executes WFI with its timer armed for later: it sleeps.
void sleep_in_wfi(Vcpu& v) {
    g_cores[v.core].current = &v;
    vcpu_wait_for_interrupt(v, TIMER_ENABLE, arch::now_ticks() + arch::us_to_ticks(1000));
    ASSERT_EQ(v.state, VcpuState::blocked);
}

TEST(Psci, CpuOnStartsAnOffVcpuAtItsEntryWithItsContext) {
    FakeSystem sys({{"smp", {1, 2}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v1 = sys.vcpu(0, 1);
    EXPECT_EQ(v1.state, VcpuState::off);
    EXPECT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, ENTRY, 42)), hv::PSCI_SUCCESS);
    EXPECT_EQ(v1.state, VcpuState::runnable);
    EXPECT_EQ(v1.ctx.regs.elr, ENTRY);
    EXPECT_EQ(v1.ctx.regs.x[0], 42u);
    EXPECT_EQ(FakeSystem::run(2), &v1);
    EXPECT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, ENTRY, 0)), hv::PSCI_ALREADY_ON);
    EXPECT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 7, ENTRY, 0)), hv::PSCI_INVALID_PARAMETERS);
    EXPECT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, 0x1000, 0)), hv::PSCI_INVALID_PARAMETERS);
    // Bits outside the affinity fields name no CPU (not vCPU 1 with bit 31 or 40 set).
    for (const u64 mpidr : {0x8000'0001ull, 0x100'0000'0001ull, 0x1'0000ull, 0x1'0000'0000ull}) {
        EXPECT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_AFFINITY_INFO, mpidr, 0)), hv::PSCI_INVALID_PARAMETERS)
            << std::hex << mpidr;
    }
}

TEST(Psci, AffinityInfoSaysOnForAVcpuAsleepInWfi) {
    // Two vCPUs sharing core 1: vCPU 0 waits for its timer in WFI.
    FakeSystem sys({{"smp", {1, 1}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v1 = sys.vcpu(0, 1);
    ASSERT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, ENTRY, 0)), hv::PSCI_SUCCESS);
    sleep_in_wfi(v0);
    EXPECT_EQ(FakeSystem::run(1), &v1);
    EXPECT_EQ(as_status(FakeSystem::call(v1, hv::PSCI_AFFINITY_INFO, 0, 0)), hv::PSCI_AFFINITY_ON);
    EXPECT_EQ(as_status(FakeSystem::call(v1, hv::PSCI_AFFINITY_INFO, 1, 0)), hv::PSCI_AFFINITY_ON);
}

TEST(Psci, AffinityInfoSaysOffForAVcpuNeverStartedOrTurnedOff) {
    FakeSystem sys({{"smp", {1, 2, 3}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    EXPECT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_AFFINITY_INFO, 2, 0)), hv::PSCI_AFFINITY_OFF);
    ASSERT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, ENTRY, 0)), hv::PSCI_SUCCESS);
    FakeSystem::call(sys.vcpu(0, 1), hv::PSCI_CPU_OFF);
    EXPECT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_AFFINITY_INFO, 1, 0)), hv::PSCI_AFFINITY_OFF);
}

TEST(Psci, CpuOffBesideASleepingVcpuDoesNotEndTheVm) {
    // The probe of the bug: vCPU 0 sleeps in WFI, vCPU 1 turns itself off.
    // The VM still has a vCPU (asleep): it must run on, and vCPU 0 wake.
    FakeSystem sys({{"smp", {1, 1}}, {"other", {2}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v1 = sys.vcpu(0, 1);
    ASSERT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, ENTRY, 0)), hv::PSCI_SUCCESS);
    sleep_in_wfi(v0);
    ASSERT_EQ(FakeSystem::run(1), &v1);
    FakeSystem::call(v1, hv::PSCI_CPU_OFF);
    EXPECT_EQ(v1.state, VcpuState::off);
    EXPECT_EQ(sys.vm(0).state, VmState::running);
    EXPECT_EQ(FakeSystem::console().find("last vCPU turned off"), std::string::npos);
    // Its timer fires: vCPU 0 runs again.
    arch::fake::machine().ticks += arch::us_to_ticks(2000);
    EXPECT_EQ(FakeSystem::run(1), &v0);
}

// A call's exit saves the last of its registers after the call took effect
// (entry.S's short path): CPU_ON of a vCPU that has just turned itself off
// rewrites its registers only once its core has moved on — and gives up,
// without letting go of its own vCPU, if the caller's VM stops meanwhile.
TEST(Psci, CpuOnWaitsForTheVcpuToLeaveItsCoreAndGivesUpIfTheCallerStops) {
    FakeSystem sys({{"smp", {1, 2}}});
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v1 = sys.vcpu(0, 1);
    ASSERT_EQ(FakeSystem::run(1), &v0);
    ASSERT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, ENTRY, 0)), hv::PSCI_SUCCESS);
    ASSERT_EQ(FakeSystem::run(2), &v1);
    auto& m = arch::fake::machine();
    // v1 turns itself off; its core has not decided yet (still in its exit).
    FakeSystem::call(v1, hv::PSCI_CPU_OFF);
    ASSERT_EQ(g_cores[2].current.load(), &v1);
    unsigned waits = 0;
    m.on_wait = [&] {
        if (++waits != 3) return;
        const unsigned here = m.core;
        EXPECT_EQ(v1.ctx.regs.elr, ENTRY); // (not rewritten yet: the earlier start's)
        (void)FakeSystem::run(2);          // its core moves on
        m.core = here;
    };
    const unsigned resets = m.resets;
    EXPECT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, ENTRY + 8, 0)), hv::PSCI_SUCCESS);
    EXPECT_GE(waits, 3u);
    EXPECT_EQ(m.resets, resets + 1);
    EXPECT_EQ(v1.ctx.regs.elr, ENTRY + 8);

    // Again, and this time v0's VM stops while it waits: no reset, v1 stays
    // off, and v0's core still has v0 (its registers are its exit's to save).
    ASSERT_EQ(FakeSystem::run(2), &v1);
    FakeSystem::call(v1, hv::PSCI_CPU_OFF);
    ASSERT_EQ(g_cores[2].current.load(), &v1);
    m.on_wait = [&] { v0.state.store(VcpuState::stopped); };
    EXPECT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, ENTRY, 0)), hv::PSCI_INTERNAL_FAILURE);
    EXPECT_EQ(m.resets, resets + 1);
    EXPECT_EQ(v1.state.load(), VcpuState::off);
    EXPECT_EQ(g_cores[1].current.load(), &v0);
    m.on_wait = nullptr;
}

TEST(Psci, CpuOffOfTheLastVcpuEndsTheVmCleanly) {
    FakeSystem sys({{"solo", {1}}, {"other", {2}}});
    FakeSystem::call(sys.vcpu(0, 0), hv::PSCI_CPU_OFF);
    EXPECT_EQ(sys.vm(0).state, VmState::ended);
    EXPECT_NE(FakeSystem::console().find("vm solo: last vCPU turned off"), std::string::npos);
    EXPECT_EQ(sys.vm(1).state, VmState::running);
}

TEST(Psci, ConcurrentCpuOnOfOneVcpuSucceedsExactlyOnceAndKeepsTheWinnersEntry) {
    // vCPUs 0 and 1 (on cores 1 and 2) both start vCPU 2, each at its own
    // entry, at the same moment: one wins, the other is told it is on, and
    // the started vCPU begins where the winner said (the loser must not
    // rewrite its registers).
    for (int round = 0; round < 200; ++round) {
        FakeSystem sys({{"smp", {1, 2, 3}}});
        Vcpu& v0 = sys.vcpu(0, 0);
        Vcpu& v1 = sys.vcpu(0, 1);
        Vcpu& target = sys.vcpu(0, 2);
        ASSERT_EQ(as_status(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, ENTRY, 0)), hv::PSCI_SUCCESS);
        std::atomic<int> go{0};
        i64 r0 = 0, r1 = 0;
        auto start = [&](Vcpu& caller, u64 entry, i64& result) {
            go.fetch_add(1);
            while (go.load() < 2) {}
            caller.ctx.regs.x[0] = hv::PSCI_CPU_ON;
            caller.ctx.regs.x[1] = 2;
            caller.ctx.regs.x[2] = entry;
            caller.ctx.regs.x[3] = entry;
            handle_hypercall(caller);
            result = static_cast<i64>(caller.ctx.regs.x[0]);
        };
        std::thread a(start, std::ref(v0), ENTRY + 0x10, std::ref(r0));
        std::thread b(start, std::ref(v1), ENTRY + 0x20, std::ref(r1));
        a.join();
        b.join();
        ASSERT_EQ((r0 == hv::PSCI_SUCCESS) + (r1 == hv::PSCI_SUCCESS), 1) << "round " << round;
        const i64 loser = r0 == hv::PSCI_SUCCESS ? r1 : r0; // (ON_PENDING while the winner writes)
        ASSERT_TRUE(loser == hv::PSCI_ALREADY_ON || loser == hv::PSCI_ON_PENDING) << loser;
        const u64 winner = r0 == hv::PSCI_SUCCESS ? ENTRY + 0x10 : ENTRY + 0x20;
        ASSERT_EQ(target.ctx.regs.elr, winner) << "round " << round;
        ASSERT_EQ(target.ctx.regs.x[0], winner) << "round " << round;
    }
}

} // namespace

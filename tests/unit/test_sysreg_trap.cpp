// test_sysreg_trap.cpp — every class of trapped system register sorted by its exact encoding, and the stuck-vCPU check.
#include <gtest/gtest.h>

#include "fake_system.hpp"
#include "progress.hpp"
#include "sysreg_trap.hpp"

using namespace tessera;
using tessera::test::FakeSystem;

namespace {

/// The ISS of an MRS (read) or MSR of S<op0>_<op1>_C<crn>_C<crm>_<op2> with Rt = `rt`.
constexpr u32 iss(u32 op0, u32 op1, u32 crn, u32 crm, u32 op2, u32 rt = 3, bool read = true) {
    return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 | (read ? 1u : 0u);
}

SysregKind kind(u32 op0, u32 op1, u32 crn, u32 crm, u32 op2) {
    return sysreg_kind(sysreg_decode(iss(op0, op1, crn, crm, op2)));
}

TEST(SysregTrap, DecodesEveryField) {
    const SysregAccess a = sysreg_decode(iss(3, 3, 14, 2, 1, 17, false));
    EXPECT_EQ(a.op0, 3);
    EXPECT_EQ(a.op1, 3);
    EXPECT_EQ(a.crn, 14);
    EXPECT_EQ(a.crm, 2);
    EXPECT_EQ(a.op2, 1);
    EXPECT_EQ(a.rt, 17);
    EXPECT_FALSE(a.read);
    EXPECT_EQ(iss(3, 3, 14, 2, 1, 17, false) & SYSREG_ENCODING_BITS,
              iss(3, 3, 14, 2, 1, 0, true) & SYSREG_ENCODING_BITS);
}

TEST(SysregTrap, GuestIpisGoToTheVirtualGic) {
    EXPECT_EQ(kind(3, 0, 12, 11, 5), SysregKind::sgi); // ICC_SGI1R_EL1
    EXPECT_EQ(kind(3, 0, 12, 11, 6), SysregKind::sgi); // ICC_ASGI1R_EL1
    EXPECT_EQ(kind(3, 0, 12, 11, 7), SysregKind::sgi); // ICC_SGI0R_EL1
    EXPECT_EQ(kind(3, 0, 12, 11, 3), SysregKind::unknown);
}

// The exit's first question, straight from the syndrome (sysreg_is_sgi),
// agrees with the full sorting for every encoding, whatever Rt and the
// direction.
TEST(SysregTrap, TheSgiShortcutAgreesWithTheSortingForEveryEncoding) {
    unsigned sgis = 0;
    for (u32 iss = 0; iss < (1u << 22); iss += 1u << 1) {                   // (bit 0, the direction: both below)
        if (((iss >> 5) & 0x1f) != 0 && ((iss >> 5) & 0x1f) != 7) continue; // (two values of Rt suffice)
        for (u32 dir : {0u, 1u}) {
            const u32 e = iss | dir;
            const bool sgi = sysreg_kind(sysreg_decode(e)) == SysregKind::sgi;
            ASSERT_EQ(sysreg_is_sgi(e), sgi) << std::hex << e;
            sgis += sgi ? 1 : 0;
        }
    }
    EXPECT_EQ(sgis, 3u * 2 * 2); // SGI1R, ASGI1R, SGI0R; two Rt; read and write
}

TEST(SysregTrap, EveryPmuRegisterAndNothingElse) {
    EXPECT_EQ(kind(3, 3, 9, 12, 0), SysregKind::pmu);  // PMCR_EL0
    EXPECT_EQ(kind(3, 3, 9, 12, 1), SysregKind::pmu);  // PMCNTENSET_EL0
    EXPECT_EQ(kind(3, 3, 9, 13, 0), SysregKind::pmu);  // PMCCNTR_EL0
    EXPECT_EQ(kind(3, 3, 9, 14, 0), SysregKind::pmu);  // PMUSERENR_EL0
    EXPECT_EQ(kind(3, 0, 9, 14, 1), SysregKind::pmu);  // PMINTENSET_EL1
    EXPECT_EQ(kind(3, 0, 9, 14, 2), SysregKind::pmu);  // PMINTENCLR_EL1
    EXPECT_EQ(kind(3, 3, 14, 8, 0), SysregKind::pmu);  // PMEVCNTR0_EL0
    EXPECT_EQ(kind(3, 3, 14, 15, 6), SysregKind::pmu); // PMEVTYPER30_EL0
    EXPECT_EQ(kind(3, 3, 14, 15, 7), SysregKind::pmu); // PMCCFILTR_EL0
    EXPECT_EQ(kind(3, 0, 9, 14, 0), SysregKind::unknown);
    EXPECT_EQ(kind(3, 3, 9, 11, 0), SysregKind::unknown);
}

TEST(SysregTrap, TheEl1PhysicalTimerIsNotThePmu) {
    // The livelock: CNTP_* share op1 3, CRn 14 with the PMU's event counters,
    // were taken for a PMU access, "claimed" and retried forever.
    EXPECT_EQ(kind(3, 3, 14, 2, 1), SysregKind::unknown); // CNTP_CTL_EL0
    EXPECT_EQ(kind(3, 3, 14, 2, 2), SysregKind::unknown); // CNTP_CVAL_EL0
    EXPECT_EQ(kind(3, 3, 14, 2, 0), SysregKind::unknown); // CNTP_TVAL_EL0
    EXPECT_EQ(kind(3, 3, 14, 0, 1), SysregKind::unknown); // CNTPCT_EL0
}

TEST(SysregTrap, DebugRegistersAndTheRest) {
    EXPECT_EQ(kind(2, 0, 0, 2, 2), SysregKind::debug);      // MDSCR_EL1
    EXPECT_EQ(kind(2, 0, 1, 0, 4), SysregKind::debug_lock); // OSLAR_EL1
    EXPECT_EQ(kind(2, 0, 1, 1, 4), SysregKind::debug_lock); // OSLSR_EL1
    EXPECT_EQ(kind(2, 0, 1, 3, 4), SysregKind::debug_lock); // OSDLR_EL1
    EXPECT_EQ(kind(2, 0, 1, 4, 4), SysregKind::debug_lock); // DBGPRCR_EL1
    EXPECT_EQ(kind(2, 0, 1, 0, 0), SysregKind::debug_lock); // MDRAR_EL1
    EXPECT_EQ(kind(2, 0, 1, 2, 4), SysregKind::debug);      // (C1_C2_4: no lock register)
    EXPECT_EQ(kind(2, 0, 0, 0, 5), SysregKind::debug);      // DBGBCR0_EL1
    EXPECT_EQ(kind(2, 0, 0, 0, 4), SysregKind::debug);      // DBGBVR0_EL1
    EXPECT_EQ(kind(3, 0, 2, 1, 0), SysregKind::unknown);    // APIAKEYLO_EL1
    EXPECT_EQ(kind(3, 0, 5, 6, 0), SysregKind::unknown);    // TFSR_EL1
    EXPECT_EQ(kind(3, 1, 15, 2, 0), SysregKind::unknown);   // an implementation-defined register
}

TEST(SysregTrap, NamesTheRegisterAsAssemblersDo) {
    char name[24];
    sysreg_name(sysreg_decode(iss(3, 3, 14, 2, 1)), name, sizeof name);
    EXPECT_STREQ(name, "S3_3_C14_C2_1");
}

TEST(Progress, AVcpuStuckOnOneInstructionStopsItsVmWithTheReason) {
    FakeSystem sys({{"stuck", {1}}, {"other", {2}}});
    Vcpu& v = sys.vcpu(0, 0);
    const u64 pc = v.ctx.regs.elr;
    for (u32 i = 0; i < STALL_LIMIT; ++i) ASSERT_TRUE(note_progress(v, pc, [] { return "system register trap"; })) << i;
    EXPECT_EQ(sys.vm(0).state, VmState::running);
    EXPECT_FALSE(note_progress(v, pc, [] { return "system register trap"; }));
    EXPECT_EQ(sys.vm(0).state, VmState::failed);
    EXPECT_NE(FakeSystem::console().find("vCPU 0 made no progress: system register trap at PC 0x40000000 trapped 1001 "
                                         "times in a row"),
              std::string::npos);
    EXPECT_EQ(sys.vm(1).state, VmState::running);
}

TEST(Progress, ExitsThatMoveTheVcpuOnResetTheCount) {
    FakeSystem sys({{"busy", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    const u64 pc = v.ctx.regs.elr;
    for (int round = 0; round < 3; ++round) {
        for (u32 i = 0; i < STALL_LIMIT; ++i) ASSERT_TRUE(note_progress(v, pc, [] { return "retry"; }));
        v.ctx.regs.elr = pc + 4; // this exit moved it on (an emulated access, say)
        ASSERT_TRUE(note_progress(v, pc, [] { return "emulated"; }));
        v.ctx.regs.elr = pc; // and the guest's loop came back to it
    }
    EXPECT_EQ(sys.vm(0).state, VmState::running);
}

} // namespace

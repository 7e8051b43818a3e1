// test_cpu_features.cpp — what a guest's ID registers show: features Tessera switches or that need nothing, never
// others.
#include <gtest/gtest.h>

#include "cpu_features.hpp"
#include "sysreg_trap.hpp"

using namespace tessera;

namespace {

constexpr unsigned IPA_BITS = 39;

constexpr u64 field(unsigned shift, u64 value) { return value << shift; }

u64 view(unsigned reg, u64 hw, bool sve = false) { return id_register_view(reg, hw, CpuPolicy{sve}, IPA_BITS); }

// QEMU 7.2's `-cpu max` as its guests would see it without Tessera: SVE,
// SME, MTE (instructions only), RAS, AArch32 at EL0/EL1, EL2 and EL3.
constexpr u64 MAX_PFR0 = field(0, 2) | field(4, 2) | field(8, 2) | field(12, 2) | field(16, 1) | field(20, 1) |
                         field(24, 1) | field(28, 1) | field(32, 1) | field(36, 1) | field(48, 1) | field(56, 1) |
                         field(60, 1);
constexpr u64 MAX_PFR1 = field(0, 1) | field(4, 2) | field(8, 1) | field(24, 1);

TEST(CpuFeatures, SveOnlyForVmsThatHaveIt) {
    EXPECT_EQ(id_field(view(idreg::AA64PFR0, MAX_PFR0), 32), 0u);
    EXPECT_EQ(view(idreg::AA64ZFR0, 0x0110'0110'0001'0011ull), 0u);
    EXPECT_EQ(id_field(view(idreg::AA64PFR0, MAX_PFR0, true), 32), 1u);
    EXPECT_EQ(view(idreg::AA64ZFR0, 0x0110'0110'0001'0011ull, true), 0x0110'0110'0001'0011ull);
}

TEST(CpuFeatures, MteOnlyForVmsThatHaveItAndOnlyWithTagMemory) {
    const auto mte = [](u64 hw, bool allowed) {
        CpuPolicy p;
        p.mte = allowed;
        return id_field(id_register_view(idreg::AA64PFR1, field(8, hw), p, IPA_BITS), 8);
    };
    EXPECT_EQ(mte(2, false), 0u);
    EXPECT_EQ(mte(2, true), 2u);
    EXPECT_EQ(mte(3, true), 3u);   // MTE3: asymmetric checks, in SCTLR_EL1
    EXPECT_EQ(mte(0xf, true), 3u); // nothing beyond what is switched
    u64 hw[idreg::COUNT] = {};
    hw[idreg::AA64PFR1 - idreg::FIRST] = field(8, 1); // instructions only, no tag memory (QEMU max without mte=on)
    EXPECT_FALSE(has_mte(hw));
    hw[idreg::AA64PFR1 - idreg::FIRST] = field(8, 2);
    EXPECT_TRUE(has_mte(hw));
}

TEST(CpuFeatures, StatefulFeaturesTesseraDoesNotSwitchAreHidden) {
    const u64 pfr0 = view(idreg::AA64PFR0, MAX_PFR0);
    EXPECT_EQ(id_field(pfr0, 8), 0u);  // EL2: no nested virtualization
    EXPECT_EQ(id_field(pfr0, 12), 0u); // EL3: the firmware is the hypervisor's
    EXPECT_EQ(id_field(pfr0, 28), 0u); // RAS
    EXPECT_EQ(id_field(pfr0, 36), 0u); // Secure EL2
    const u64 pfr1 = view(idreg::AA64PFR1, MAX_PFR1);
    EXPECT_EQ(id_field(pfr1, 8), 0u);  // MTE
    EXPECT_EQ(id_field(pfr1, 24), 0u); // SME
    EXPECT_EQ(view(idreg::AA64SMFR0, ~0ull), 0u);
    EXPECT_EQ(id_field(view(idreg::AA64ISAR0, field(24, 1)), 24), 0u); // TME
    EXPECT_EQ(id_field(view(idreg::AA64ISAR1, field(60, 1)), 60), 0u); // LS64
    EXPECT_EQ(id_field(view(idreg::AA64ISAR2, field(0, 2)), 0), 0u);   // WFxT
    EXPECT_EQ(id_field(view(idreg::AA64MMFR1, field(16, 1)), 16), 0u); // LORegions
    EXPECT_EQ(id_field(view(idreg::AA64MMFR1, field(8, 1)), 8), 0u);   // VHE
}

TEST(CpuFeatures, SwitchedAndStatelessFeaturesPass) {
    const u64 pfr0 = view(idreg::AA64PFR0, MAX_PFR0);
    EXPECT_EQ(id_field(pfr0, 16), 1u); // FP (half precision)
    EXPECT_EQ(id_field(pfr0, 20), 1u); // AdvSIMD
    EXPECT_EQ(id_field(pfr0, 24), 1u); // GIC system registers
    EXPECT_EQ(id_field(pfr0, 48), 1u); // DIT
    const u64 pfr1 = view(idreg::AA64PFR1, MAX_PFR1);
    EXPECT_EQ(id_field(pfr1, 0), 1u); // BTI
    EXPECT_EQ(id_field(pfr1, 4), 2u); // SSBS
    // Pointer authentication (keys switched per vCPU), AES, atomics, RNDR.
    const u64 isar1 = field(4, 1) | field(8, 1) | field(24, 1) | field(28, 1);
    EXPECT_EQ(view(idreg::AA64ISAR1, isar1), isar1);
    const u64 isar0 = field(4, 2) | field(20, 2) | field(60, 1);
    EXPECT_EQ(view(idreg::AA64ISAR0, isar0), isar0);
    // FP absent reads as absent (0xf), not as present (0).
    EXPECT_EQ(id_field(view(idreg::AA64PFR0, field(16, 0xf) | field(20, 0xf)), 16), 0xfu);
    // The stage-1 granules, where 0 means "supported" and 0xf "not".
    const u64 mmfr0 = field(24, 0xf) | field(28, 0) | field(20, 1);
    EXPECT_EQ(view(idreg::AA64MMFR0, mmfr0) & ~0xfull, mmfr0);
}

TEST(CpuFeatures, GuestsRunAArch64Only) {
    const u64 pfr0 = view(idreg::AA64PFR0, MAX_PFR0);
    EXPECT_EQ(id_field(pfr0, 0), 1u);
    EXPECT_EQ(id_field(pfr0, 4), 1u);
    for (unsigned reg = idreg::FIRST; reg < 4 * 8; ++reg) EXPECT_EQ(view(reg, ~0ull), 0u) << "AArch32 register " << reg;
}

TEST(CpuFeatures, FieldsAndRegistersThisTableDoesNotKnowReadAsAbsent) {
    EXPECT_EQ(view(idreg::AA64PFR1, field(60, 1)), 0u);
    EXPECT_EQ(view(idreg::AA64DFR0, field(44, 1) | field(52, 1)), 0u); // TraceBuffer, BRBE
    EXPECT_EQ(view(idreg::AA64DFR1, ~0ull), 0u);
    EXPECT_EQ(view(6 * 8 + 3, ~0ull), 0u); // ISAR3
    EXPECT_EQ(view(7 * 8 + 3, ~0ull), 0u); // MMFR3
    EXPECT_EQ(view(7 * 8 + 7, ~0ull), 0u); // reserved
}

TEST(CpuFeatures, EveryBreakpointAndWatchpointIsShownAndSwitched) {
    // A core with 16 breakpoints, 16 watchpoints, 16 context comparators: all
    // shown, since every one is switched (DEBUG_MAX_POINTS).
    const u64 dfr0 = field(0, 8) | field(8, 4) | field(12, 15) | field(20, 15) | field(28, 15);
    EXPECT_EQ(view(idreg::AA64DFR0, dfr0), dfr0);
    EXPECT_EQ(DEBUG_MAX_POINTS, 16u);
    // Cortex-A57: 6 breakpoints, 4 watchpoints, 2 context comparators: as they are.
    const u64 a57 = field(0, 6) | field(8, 1) | field(12, 5) | field(20, 3) | field(28, 1);
    EXPECT_EQ(view(idreg::AA64DFR0, a57), a57);
}

// A build without PMU lending (the minimal one) shows no PMU: its registers
// are undefined there. The debug fields stay (every core has them).
TEST(CpuFeatures, NoPmuIsShownWhereTheBuildDoesNotLendIt) {
    const u64 a57 = field(0, 6) | field(8, 1) | field(12, 5) | field(20, 3) | field(28, 1);
    CpuPolicy none;
    none.pmu = false;
    EXPECT_EQ(id_field(id_register_view(idreg::AA64DFR0, a57, none, IPA_BITS), 8), 0u);
    EXPECT_EQ(id_register_view(idreg::AA64DFR0, a57, none, IPA_BITS), a57 & ~field(8, 0xf));
    EXPECT_EQ(id_field(id_register_view(idreg::AA64DFR0, a57, CpuPolicy{}, IPA_BITS), 8), 1u);
}

TEST(CpuFeatures, PhysicalAddressSizeIsWhatStage2Maps) {
    EXPECT_EQ(id_field(view(idreg::AA64MMFR0, 5), 0), 2u); // 48 bits -> 40: holds every 39-bit IPA
    EXPECT_EQ(id_field(view(idreg::AA64MMFR0, 0), 0), 0u); // 32 bits stays 32
    EXPECT_EQ(id_field(view(idreg::AA64MMFR0, 1), 0), 1u); // 36 stays 36 (never wider than the board)
    EXPECT_EQ(id_field(id_register_view(idreg::AA64MMFR0, 5, {}, 48), 0), 5u);   // a 48-bit stage 2: 48
    EXPECT_EQ(id_field(id_register_view(idreg::AA64MMFR0, 6, {}, 44), 0), 4u);   // 44 exactly
    EXPECT_EQ(id_field(id_register_view(idreg::AA64MMFR0, 0xf, {}, 52), 0), 6u); // unknown encoding: capped
}

TEST(CpuFeatures, BoardFeaturesFromItsRegisters) {
    u64 hw[idreg::COUNT] = {};
    EXPECT_FALSE(has_pauth(hw));
    EXPECT_FALSE(has_sve(hw));
    hw[idreg::AA64ISAR2 - idreg::FIRST] = field(12, 1); // APA3 (QARMA3) only
    EXPECT_TRUE(has_pauth(hw));
    hw[idreg::AA64ISAR2 - idreg::FIRST] = 0;
    hw[idreg::AA64ISAR1 - idreg::FIRST] = field(28, 1); // GPI only
    EXPECT_TRUE(has_pauth(hw));
    hw[idreg::AA64PFR0 - idreg::FIRST] = MAX_PFR0;
    EXPECT_TRUE(has_sve(hw));
}

TEST(CpuFeatures, EveryIdEncodingIsTrappedAsOne) {
    for (u8 crm = 0; crm < 16; ++crm) {
        for (u8 op2 = 0; op2 < 8; ++op2) {
            const SysregAccess a{3, 0, 0, crm, op2, 0, true};
            const bool id = crm >= 1 && crm <= 7;
            EXPECT_EQ(sysreg_kind(a) == SysregKind::id, id) << "CRm " << int(crm) << " op2 " << int(op2);
        }
    }
    EXPECT_NE(sysreg_kind(SysregAccess{3, 1, 0, 0, 1, 0, true}), SysregKind::id); // CLIDR_EL1
    EXPECT_NE(sysreg_kind(SysregAccess{3, 0, 1, 1, 0, 0, true}), SysregKind::id); // not CRn 0
}

} // namespace

// cpu_features.cpp — the ID register fields a guest may see, and the value every other field reads as.
#include "cpu_features.hpp"

#include "boot_only.hpp"

namespace tessera {

namespace {

constexpr u64 f(unsigned shift) { return 0xfull << shift; }

/// The fields of one ID register passed to guests as the board has them.
struct Passed {
    unsigned reg;
    u64 fields;
};

// Field positions from the Arm ARM (D19, "AArch64 System Register
// Descriptions"). A field is listed only if its feature needs no hypervisor
// state or its state is switched with the vCPU; see docs/cpu-features.md.
constexpr Passed PASSED[] = {
    // PFR0: FP, AdvSIMD (switched by fpsimd.S), DIT, CSV2, CSV3. EL0, EL1, GIC,
    // SVE: set below. Hidden: EL2, EL3, RAS, SEL2, MPAM, AMU, RME.
    {idreg::AA64PFR0, f(16) | f(20) | f(48) | f(56) | f(60)},
    // PFR1: BT (PSTATE and SCTLR_EL1 bits), SSBS, CSV2_frac; MTE below.
    // Hidden: RAS_frac, MPAM_frac, SME, RNDR_trap, NMI, GCS, THE and the rest.
    {idreg::AA64PFR1, f(0) | f(4) | f(32)},
    // DFR0: DebugVer, PMUVer (the PMU is lent to the vCPU that uses it),
    // BRPs, WRPs, CTX_CMPs (every debug register the core has is switched
    // once a vCPU uses them), DoubleLock. Hidden: trace, SPE, MTPMU, BRBE, HPMN0.
    {idreg::AA64DFR0, f(0) | f(8) | f(12) | f(20) | f(28) | f(36)},
    // ISAR0: every instruction set feature but TME (transactional memory).
    {idreg::AA64ISAR0,
     f(4) | f(8) | f(12) | f(16) | f(20) | f(28) | f(32) | f(36) | f(40) | f(44) | f(48) | f(52) | f(56) | f(60)},
    // ISAR1: DPB, APA, API (keys switched per vCPU), JSCVT, FCMA, LRCPC, GPA,
    // GPI, FRINTTS, SB, SPECRES, BF16, DGH, I8MM, XS. Hidden: LS64.
    {idreg::AA64ISAR1, f(0) | f(4) | f(8) | f(12) | f(16) | f(20) | f(24) | f(28) | f(32) | f(36) | f(40) | f(44) |
                           f(48) | f(52) | f(56)},
    // ISAR2: RPRES, GPA3, APA3, BC, PAC_frac, CLRBHB, PRFMSLC, RPRFM, CSSC,
    // LUT. Hidden: WFxT (WFIT/WFET would need timed waits), MOPS, SYSREG_128,
    // SYSINSTR_128, ATS1A.
    {idreg::AA64ISAR2, f(4) | f(8) | f(12) | f(20) | f(24) | f(28) | f(40) | f(48) | f(52) | f(56)},
    // MMFR0: PARange (capped below), ASIDBits, BigEnd, SNSMem, BigEndEL0, the
    // three stage-1 granules, ExS. Hidden: stage-2 granules, FGT, ECV.
    {idreg::AA64MMFR0, f(0) | f(4) | f(8) | f(12) | f(16) | f(20) | f(24) | f(28) | f(44)},
    // MMFR1: HAFDBS, HPDS, PAN, SpecSEI, ETS, AFP, nTLBPA, CMOW, ECBHB.
    // Hidden: VMIDBits, VH, LO (LORegions: HCR_EL2.TLOR), XNX, TWED, HCX, TIDCP1.
    {idreg::AA64MMFR1, f(0) | f(12) | f(20) | f(24) | f(36) | f(44) | f(48) | f(56) | f(60)},
    // MMFR2: CnP, UAO, LSM, IESB, VARange, CCIDX, ST, AT, IDS, TTL, BBM, E0PD.
    // Hidden: NV, FWB, EVT.
    {idreg::AA64MMFR2, f(0) | f(4) | f(8) | f(12) | f(16) | f(20) | f(28) | f(32) | f(36) | f(48) | f(52) | f(60)},
};

/// PARange encodings (MMFR0[3:0]) and the address sizes they mean.
constexpr unsigned PA_BITS[] = {32, 36, 40, 42, 44, 48, 52};

u64 set_field(u64 value, unsigned shift, unsigned field) { return (value & ~f(shift)) | u64{field} << shift; }

unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }

} // namespace

u64 id_register_view(unsigned reg, u64 hw, const CpuPolicy& policy, unsigned ipa_bits) {
    if (reg == idreg::AA64ZFR0) return policy.sve ? hw : 0;
    u64 passed = 0;
    for (const Passed& p : PASSED) {
        if (p.reg == reg) passed = p.fields;
    }
    // (AArch32 registers, CRm 1–3, and every register not listed read as 0:
    // guests run AArch64 at EL0 and EL1.)
    u64 v = hw & passed;
    if (reg == idreg::AA64PFR0) {
        v = set_field(v, 0, 1);                              // EL0: AArch64 only
        v = set_field(v, 4, 1);                              // EL1: AArch64 only (HCR_EL2.RW)
        v = set_field(v, 24, id_field(hw, 24) != 0 ? 1 : 0); // GIC: the GICv3 CPU interface, virtualized
        if (policy.sve) v = set_field(v, 32, id_field(hw, 32));
    } else if (reg == idreg::AA64PFR1) {
        // MTE: up to MTE3 (asymmetric checks: SCTLR_EL1's TCF, switched).
        if (policy.mte) v = set_field(v, 8, min(id_field(hw, 8), 3));
    } else if (reg == idreg::AA64DFR0) {
        // PMUVer 0, no PMU, in a build without PMU lending: its registers are
        // undefined there, and a guest must not find one it cannot use.
        if (!policy.pmu) v = set_field(v, 8, 0);
    } else if (reg == idreg::AA64MMFR0) {
        // No wider than the board, and just wide enough for every address
        // stage 2 can map (39 bits: 40); beyond what is mapped, nothing is there.
        const unsigned board = min(id_field(hw, 0), static_cast<unsigned>(sizeof PA_BITS / sizeof PA_BITS[0] - 1));
        unsigned range = 0;
        while (range < board && PA_BITS[range] < ipa_bits) ++range;
        v = set_field(v, 0, range);
    }
    return v;
}

TESSERA_BOOT_ONLY bool has_pauth(const u64* hw) {
    const u64 isar1 = hw[idreg::AA64ISAR1 - idreg::FIRST], isar2 = hw[idreg::AA64ISAR2 - idreg::FIRST];
    return (isar1 & (f(4) | f(8) | f(24) | f(28))) != 0 || (isar2 & (f(8) | f(12))) != 0;
}

TESSERA_BOOT_ONLY bool has_sve(const u64* hw) { return id_field(hw[idreg::AA64PFR0 - idreg::FIRST], 32) != 0; }

TESSERA_BOOT_ONLY bool has_mte(const u64* hw) { return id_field(hw[idreg::AA64PFR1 - idreg::FIRST], 8) >= 2; }

} // namespace tessera

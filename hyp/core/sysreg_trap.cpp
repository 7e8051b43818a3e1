// sysreg_trap.cpp — which trapped system registers Tessera emulates, by their exact encodings.
#include "sysreg_trap.hpp"

#include "cpu_features.hpp"
#include "format.hpp"

namespace tessera {

namespace {

constexpr bool is(const SysregAccess& a, u8 op0, u8 op1, u8 crn) {
    return a.op0 == op0 && a.op1 == op1 && a.crn == crn;
}

/// The PMU's registers (Arm ARM D13: PMCR_EL0 … PMCCFILTR_EL0).
bool is_pmu(const SysregAccess& a) {
    // PMCR, PMCNTENSET/CLR, PMOVSCLR, PMSWINC, PMSELR, PMCEID0/1 (CRm 12),
    // PMCCNTR, PMXEVTYPER, PMXEVCNTR (CRm 13), PMUSERENR, PMOVSSET (CRm 14).
    if (is(a, 3, 3, 9) && a.crm >= 12 && a.crm <= 14) return true;
    // PMINTENSET_EL1, PMINTENCLR_EL1, PMMIR_EL1.
    if (is(a, 3, 0, 9) && a.crm == 14 && (a.op2 == 1 || a.op2 == 2 || a.op2 == 6)) return true;
    // PMEVCNTR<n>_EL0 (CRm 8–11), PMEVTYPER<n>_EL0 and PMCCFILTR_EL0 (CRm 12–15).
    // CRm 0–3 of the same CRn are the generic timers: not the PMU.
    return is(a, 3, 3, 14) && a.crm >= 8;
}

} // namespace

SysregKind sysreg_kind(const SysregAccess& a) {
    // ICC_SGI1R_EL1 (op2 5), ICC_ASGI1R_EL1 (6), ICC_SGI0R_EL1 (7).
    if (is(a, 3, 0, 12) && a.crm == 11 && a.op2 >= 5) return SysregKind::sgi;
    if (is_id_register(a.op0, a.op1, a.crn, a.crm)) return SysregKind::id;
    if (is_pmu(a)) return SysregKind::pmu;
    // OSLAR_EL1 (C1_C0_4), OSLSR_EL1 (C1_C1_4), OSDLR_EL1 (C1_C3_4),
    // DBGPRCR_EL1 (C1_C4_4), MDRAR_EL1 (C1_C0_0): always trapped (MDCR_EL2.TDOSA, TDRA).
    if (is(a, 2, 0, 1) && ((a.op2 == 4 && (a.crm <= 1 || a.crm == 3 || a.crm == 4)) || (a.crm == 0 && a.op2 == 0)))
        return SysregKind::debug_lock;
    if (a.op0 == 2) return SysregKind::debug;
    return SysregKind::unknown;
}

void sysreg_name(const SysregAccess& a, char* buf, usize cap) {
    format_to(buf, cap, "S%u_%u_C%u_C%u_%u", a.op0, a.op1, a.crn, a.crm, a.op2);
}

} // namespace tessera

// sysreg_trap.hpp — a trapped MSR/MRS (ESR_EL2 EC 0x18), decoded exactly and sorted into what Tessera does with it.
#pragma once

#include "types.hpp"

namespace tessera {

/// The access the ISS of an exception from MSR/MRS describes (the Arm ARM's
/// ESR_ELx encoding for EC 0x18): op0, op1, CRn, CRm, op2 name the register;
/// Rt and the direction describe the access.
struct SysregAccess {
    u8 op0, op1, crn, crm, op2;
    u8 rt;     ///< 31: XZR
    bool read; ///< MRS
};

/// What the hypervisor does with a trapped register.
enum class SysregKind : u8 {
    sgi,        ///< ICC_SGI1R/ASGI1R/SGI0R_EL1: a guest IPI, through the virtual GIC
    id,         ///< an ID register (HCR_EL2.TID3): read from the VM's sanitized view (cpu_features.hpp)
    pmu,        ///< a PMU register: the vCPU claims the counters, then the access runs untrapped
    debug,      ///< a debug register (op0 = 2): the vCPU claims the debug registers, then the access runs untrapped
    debug_lock, ///< OSLAR/OSLSR/OSDLR/DBGPRCR_EL1, MDRAR_EL1: emulated (OS lock per vCPU; no power-down, no ROM table)
    unknown     ///< anything else: undefined instruction for the guest, said once on the console
};

/// The ISS bits that name the register (op0, op2, op1, CRn, CRm), without
/// Rt and the direction.
inline constexpr u32 SYSREG_ENCODING_BITS = 0x3ffc1e;

/// Decodes `iss` (ESR_EL2.ISS of a trapped MSR/MRS).
constexpr SysregAccess sysreg_decode(u32 iss) {
    return SysregAccess{static_cast<u8>((iss >> 20) & 3),
                        static_cast<u8>((iss >> 14) & 7),
                        static_cast<u8>((iss >> 10) & 0xf),
                        static_cast<u8>((iss >> 1) & 0xf),
                        static_cast<u8>((iss >> 17) & 7),
                        static_cast<u8>((iss >> 5) & 0x1f),
                        (iss & 1) != 0};
}

/// Sorts `a` by its exact encoding. Every register not named here is
/// `unknown`: a near miss (the EL1 physical timer beside the PMU's event
/// counters in CRn 14) must never be taken for another.
SysregKind sysreg_kind(const SysregAccess& a);

/// Whether the trapped access `iss` (ESR_EL2.ISS) is to an SGI register
/// (ICC_SGI1R_EL1, ICC_ASGI1R_EL1, ICC_SGI0R_EL1: op0 3, op1 0, CRn 12,
/// CRm 11, op2 5-7), as sysreg_kind() would say, straight from the syndrome:
/// a guest's IPI, the most frequent trap of an SMP guest, asked first.
constexpr bool sysreg_is_sgi(u32 iss) {
    constexpr u32 OP0_OP1_CRN_CRM = 0x31fc1e, SGI = 3u << 20 | 12u << 10 | 11u << 1;
    return (iss & OP0_OP1_CRN_CRM) == SGI && ((iss >> 17) & 7) >= 5;
}

/// Writes the register's generic name, "S<op0>_<op1>_C<CRn>_C<CRm>_<op2>"
/// (what assemblers accept), into `buf` of `cap` bytes.
void sysreg_name(const SysregAccess& a, char* buf, usize cap);

} // namespace tessera

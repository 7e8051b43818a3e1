// sysreg.hpp — typed accessors for AArch64 system registers and barriers.
#pragma once

#include "types.hpp"

namespace tessera::arch {

#define TESSERA_SYSREG(name)                                                                                           \
    struct name {                                                                                                      \
        static u64 read() {                                                                                            \
            u64 v;                                                                                                     \
            asm volatile("mrs %0, " #name : "=r"(v));                                                                  \
            return v;                                                                                                  \
        }                                                                                                              \
        static void write(u64 v) { asm volatile("msr " #name ", %0" ::"r"(v) : "memory"); }                            \
    };

// Registers that the GNU assembler knows only by encoding are spelled that way.
TESSERA_SYSREG(sctlr_el2)
TESSERA_SYSREG(tcr_el2)
TESSERA_SYSREG(mair_el2)
TESSERA_SYSREG(ttbr0_el2)
TESSERA_SYSREG(hcr_el2)
TESSERA_SYSREG(vtcr_el2)
TESSERA_SYSREG(vttbr_el2)
TESSERA_SYSREG(esr_el2)
TESSERA_SYSREG(elr_el2)
TESSERA_SYSREG(far_el2)
TESSERA_SYSREG(hpfar_el2)
TESSERA_SYSREG(spsr_el2)
TESSERA_SYSREG(tpidr_el2)
TESSERA_SYSREG(mdcr_el2)
TESSERA_SYSREG(cptr_el2)
TESSERA_SYSREG(cnthctl_el2)
TESSERA_SYSREG(cntpct_el0)
TESSERA_SYSREG(cnthp_ctl_el2)
TESSERA_SYSREG(cnthp_cval_el2)
TESSERA_SYSREG(cntfrq_el0)
TESSERA_SYSREG(cntvoff_el2)
TESSERA_SYSREG(vmpidr_el2)
TESSERA_SYSREG(vpidr_el2)
TESSERA_SYSREG(midr_el1)
TESSERA_SYSREG(mpidr_el1)
TESSERA_SYSREG(id_aa64mmfr0_el1)
TESSERA_SYSREG(id_aa64isar0_el1) // CRC32 field: whether the CRC32 instructions exist
TESSERA_SYSREG(pmcr_el0)
// PMU: a vCPU that uses it owns the live counters (vpmu.cpp).
TESSERA_SYSREG(pmcntenset_el0)
TESSERA_SYSREG(pmcntenclr_el0)
TESSERA_SYSREG(pmintenset_el1)
TESSERA_SYSREG(pmintenclr_el1)
TESSERA_SYSREG(pmovsset_el0)
TESSERA_SYSREG(pmovsclr_el0)
TESSERA_SYSREG(pmccntr_el0)
TESSERA_SYSREG(pmccfiltr_el0)
TESSERA_SYSREG(pmuserenr_el0)
TESSERA_SYSREG(pmselr_el0)
TESSERA_SYSREG(pmxevcntr_el0)
TESSERA_SYSREG(pmxevtyper_el0)
// EL1 context, switched per vCPU.
TESSERA_SYSREG(sctlr_el1)
TESSERA_SYSREG(ttbr0_el1)
TESSERA_SYSREG(ttbr1_el1)
TESSERA_SYSREG(tcr_el1)
TESSERA_SYSREG(mair_el1)
TESSERA_SYSREG(amair_el1)
TESSERA_SYSREG(vbar_el1)
TESSERA_SYSREG(contextidr_el1)
TESSERA_SYSREG(tpidr_el0)
TESSERA_SYSREG(tpidr_el1)
TESSERA_SYSREG(tpidrro_el0)
TESSERA_SYSREG(sp_el1)
TESSERA_SYSREG(elr_el1)
TESSERA_SYSREG(spsr_el1)
TESSERA_SYSREG(esr_el1)
TESSERA_SYSREG(far_el1)
TESSERA_SYSREG(afsr0_el1)
TESSERA_SYSREG(afsr1_el1)
TESSERA_SYSREG(par_el1)
TESSERA_SYSREG(cpacr_el1)
TESSERA_SYSREG(cntkctl_el1)
TESSERA_SYSREG(csselr_el1)
TESSERA_SYSREG(cntv_ctl_el0)
TESSERA_SYSREG(cntv_cval_el0)
TESSERA_SYSREG(cntp_ctl_el0)
TESSERA_SYSREG(cntp_cval_el0)
// GICv3 CPU interface (system register view).
TESSERA_SYSREG(icc_sre_el2)
TESSERA_SYSREG(icc_pmr_el1)
TESSERA_SYSREG(icc_igrpen1_el1)
TESSERA_SYSREG(icc_iar1_el1)
TESSERA_SYSREG(icc_eoir1_el1)
TESSERA_SYSREG(icc_sgi1r_el1)
TESSERA_SYSREG(icc_dir_el1)
TESSERA_SYSREG(icc_ctlr_el1)
// GICv3 virtualization control.
TESSERA_SYSREG(ich_hcr_el2)
TESSERA_SYSREG(ich_vtr_el2)
TESSERA_SYSREG(ich_vmcr_el2)
TESSERA_SYSREG(ich_misr_el2)
TESSERA_SYSREG(ich_elrsr_el2)
TESSERA_SYSREG(ich_ap0r0_el2)
TESSERA_SYSREG(ich_ap0r1_el2)
TESSERA_SYSREG(ich_ap0r2_el2)
TESSERA_SYSREG(ich_ap0r3_el2)
TESSERA_SYSREG(ich_ap1r0_el2)
TESSERA_SYSREG(ich_ap1r1_el2)
TESSERA_SYSREG(ich_ap1r2_el2)
TESSERA_SYSREG(ich_ap1r3_el2)
TESSERA_SYSREG(ich_lr0_el2)
TESSERA_SYSREG(ich_lr1_el2)
TESSERA_SYSREG(ich_lr2_el2)
TESSERA_SYSREG(ich_lr3_el2)
TESSERA_SYSREG(ich_lr4_el2)
TESSERA_SYSREG(ich_lr5_el2)
TESSERA_SYSREG(ich_lr6_el2)
TESSERA_SYSREG(ich_lr7_el2)
#undef TESSERA_SYSREG

// Registers the assembler knows only for later architecture versions, by encoding.
#define TESSERA_SYSREG_ENC(name, enc)                                                                                  \
    struct name {                                                                                                      \
        static u64 read() {                                                                                            \
            u64 v;                                                                                                     \
            asm volatile("mrs %0, " enc : "=r"(v));                                                                    \
            return v;                                                                                                  \
        }                                                                                                              \
        static void write(u64 v) { asm volatile("msr " enc ", %0" ::"r"(v) : "memory"); }                              \
    };
// Pointer authentication keys (Armv8.3), switched per vCPU.
TESSERA_SYSREG_ENC(apiakeylo_el1, "S3_0_C2_C1_0")
TESSERA_SYSREG_ENC(apiakeyhi_el1, "S3_0_C2_C1_1")
TESSERA_SYSREG_ENC(apibkeylo_el1, "S3_0_C2_C1_2")
TESSERA_SYSREG_ENC(apibkeyhi_el1, "S3_0_C2_C1_3")
TESSERA_SYSREG_ENC(apdakeylo_el1, "S3_0_C2_C2_0")
TESSERA_SYSREG_ENC(apdakeyhi_el1, "S3_0_C2_C2_1")
TESSERA_SYSREG_ENC(apdbkeylo_el1, "S3_0_C2_C2_2")
TESSERA_SYSREG_ENC(apdbkeyhi_el1, "S3_0_C2_C2_3")
TESSERA_SYSREG_ENC(apgakeylo_el1, "S3_0_C2_C3_0")
TESSERA_SYSREG_ENC(apgakeyhi_el1, "S3_0_C2_C3_1")
// MTE (Armv8.5): tag-check fault status, tag generation; switched for VMs with MTE.
TESSERA_SYSREG_ENC(tfsr_el1, "S3_0_C5_C6_0")
TESSERA_SYSREG_ENC(tfsre0_el1, "S3_0_C5_C6_1")
TESSERA_SYSREG_ENC(gcr_el1, "S3_0_C1_C0_6")
TESSERA_SYSREG_ENC(rgsr_el1, "S3_0_C1_C0_5")
// SVE vector length controls (Armv8.2 SVE), switched for vCPUs that use SVE.
TESSERA_SYSREG_ENC(zcr_el1, "S3_0_C1_C2_0")
TESSERA_SYSREG_ENC(zcr_el2, "S3_4_C1_C2_0")
#undef TESSERA_SYSREG_ENC

inline void isb() { asm volatile("isb" ::: "memory"); }
inline void dsb_sy() { asm volatile("dsb sy" ::: "memory"); }
inline void dsb_ish() { asm volatile("dsb ish" ::: "memory"); }
inline void wfi() { asm volatile("wfi" ::: "memory"); }
inline void wfe() { asm volatile("wfe" ::: "memory"); }
inline void sev() { asm volatile("sev" ::: "memory"); }

/// Core index within the machine's MPIDR affinity fields Aff3..Aff0 (packed).
inline u64 mpidr_affinity(u64 mpidr) { return mpidr & 0xff00ffffffull; }

} // namespace tessera::arch

// vcpu_context.hpp (aarch64) — a vCPU's register state: what the vectors save and what a switch swaps.
#pragma once

#include <stddef.h>

#include "layout.hpp"
#include "types.hpp"

namespace tessera::arch {

/// Saved by entry.S on every exit, restored on every entry.
struct GuestRegs {
    u64 x[31];  // x0–x30
    u64 sp_el0; // EL0 stack pointer
    u64 elr;    // ELR_EL2: where the guest resumes
    u64 spsr;   // SPSR_EL2: the guest's PSTATE
};
static_assert(offsetof(GuestRegs, x) == GREGS_X0);
static_assert(offsetof(GuestRegs, x) + size_t{30} * 8 == GREGS_X30);
static_assert(offsetof(GuestRegs, sp_el0) == GREGS_SP_EL0);
static_assert(offsetof(GuestRegs, elr) == GREGS_ELR);
static_assert(offsetof(GuestRegs, spsr) == GREGS_SPSR);
static_assert(sizeof(GuestRegs) == GREGS_SIZE);

} // namespace tessera::arch

/// entry.S: loads `regs` into the core, with EL2's stack pointer at
/// `stack_top` (nothing of this exit's frames is kept), and enters the guest.
extern "C" [[noreturn]] void arch_enter_guest(tessera::arch::GuestRegs* regs, tessera::u64 stack_top);

namespace tessera::arch {

/// EL1 system registers: live in the hardware while the vCPU is loaded on its
/// core, saved here only when the core switches to another vCPU.
struct El1Regs {
    u64 sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr;
    u64 tpidr_el0, tpidr_el1, tpidrro_el0, sp_el1, elr_el1, spsr_el1;
    u64 esr, far, afsr0, afsr1, par, cpacr, cntkctl, csselr;
    u64 cntv_ctl, cntv_cval; // its virtual timer
    u64 cntp_ctl, cntp_cval; // its EL1 physical timer
    u64 vmpidr;              // what the guest reads as MPIDR_EL1
    u64 ich_vmcr;            // its virtual CPU interface: PMR, BPR, enables
    u64 ich_ap0r[4];         // its active priorities, Group 0 then 1 (as many as the core has: vcpu.cpp)
    u64 ich_ap1r[4];
};

/// MTE state of a vCPU of a VM with MTE: tag-check fault status (EL1, EL0),
/// tag exclusion and random tag seed.
struct MteRegs {
    u64 tfsr, tfsre0, gcr, rgsr;
};

/// Pointer authentication keys (APIA, APIB, APDA, APDB, APGA; low, high),
/// switched on cores that have the feature.
struct PauthKeys {
    u64 key[10];
};

/// PMU state of a vCPU that has claimed the counters (vpmu.cpp). Counters
/// beyond PMU_MAX_COUNTERS are hidden from guests (MDCR_EL2.HPMN).
inline constexpr unsigned PMU_MAX_COUNTERS = 8;
struct PmuRegs {
    bool owned; // false: every PMU access traps; the first one claims the PMU
    u64 pmcr, cnten, inten, ovs, ccntr, ccfiltr, userenr, selr;
    u64 evcntr[PMU_MAX_COUNTERS], evtyper[PMU_MAX_COUNTERS];
};

/// Debug state of a vCPU that has claimed the debug registers (vdebug.cpp).
inline constexpr unsigned DEBUG_POINTS = 16; // = DEBUG_MAX_POINTS (cpu_features.hpp): every one a core can have
struct DebugRegs {
    bool owned;   // false: debug register accesses trap; the first one claims them
    bool os_lock; // OSLSR_EL1.OSLK as the guest set it (OSLAR_EL1), applied while it runs
    u64 mdscr;
    u64 bvr[DEBUG_POINTS], bcr[DEBUG_POINTS], wvr[DEBUG_POINTS], wcr[DEBUG_POINTS];
};

/// FP/SIMD registers, swapped when a core switches vCPUs (fpsimd.S).
struct alignas(16) FpRegs {
    u64 q[64]; // q0–q31, 128 bits each
    u64 fpsr, fpcr;
};
static_assert(offsetof(FpRegs, fpsr) == 0x200, "fpsimd.S stores FPSR/FPCR at 0x200");

struct VcpuContext {
    GuestRegs regs;
    El1Regs el1;
    PauthKeys pauth;
    MteRegs mte;
    PmuRegs pmu;
    DebugRegs debug;
    FpRegs fp;
    bool sve_live; // it has run SVE: its SVE registers (Vcpu::sve_state) are switched, not just FP/SIMD
    u64 zcr_el1;   // its SVE vector length control, when sve_live
};

} // namespace tessera::arch

// sve.S — saving and loading a vCPU's SVE registers at the vector length EL2 runs with (ZCR_EL2).
//
// Layout of the save area (cpu_features.hpp sve_state_bytes): Z0–Z31, one
// vector length (VL) each, then P0–P15 and FFR, VL/8 bytes each (sve_zp.inc).
// FPSR and FPCR go to the vCPU's FpRegs (0x200, 0x208) as fpsimd.S puts them.
#include "sve_zp.inc"

// void sve_save(u8* area x0, FpRegs* x1)
.global sve_save
sve_save:
    sve_store_zp x0, x2
    rdffr   p0.b                    // (p0 is saved: it carries FFR out)
    str     p0, [x2, #16, mul vl]
    mrs     x3, fpsr
    mrs     x4, fpcr
    str     x3, [x1, #0x200]
    str     x4, [x1, #0x208]
    ret

// void sve_load(const u8* area x0, const FpRegs* x1)
.global sve_load
sve_load:
    addvl   x2, x0, #16
    addvl   x2, x2, #16
    ldr     p0, [x2, #16, mul vl]
    wrffr   p0.b                    // (p0 is loaded again below)
    sve_load_zp x0, x2
    ldr     x3, [x1, #0x200]
    ldr     x4, [x1, #0x208]
    msr     fpsr, x3
    msr     fpcr, x4
    ret

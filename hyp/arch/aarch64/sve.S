// sve.S — saving and loading a vCPU's SVE registers at the vector length EL2 runs with (ZCR_EL2).
//
// Layout of the save area (cpu_features.hpp sve_state_bytes): Z0–Z31, one
// vector length (VL) each, then P0–P15 and FFR, VL/8 bytes each. FPSR and
// FPCR go to the vCPU's FpRegs (0x200, 0x208) as fpsimd.S puts them.
    .arch armv8.2-a+sve

// void sve_save(u8* area x0, FpRegs* x1)
.global sve_save
sve_save:
    str     z0, [x0, #0, mul vl]
    str     z1, [x0, #1, mul vl]
    str     z2, [x0, #2, mul vl]
    str     z3, [x0, #3, mul vl]
    str     z4, [x0, #4, mul vl]
    str     z5, [x0, #5, mul vl]
    str     z6, [x0, #6, mul vl]
    str     z7, [x0, #7, mul vl]
    str     z8, [x0, #8, mul vl]
    str     z9, [x0, #9, mul vl]
    str     z10, [x0, #10, mul vl]
    str     z11, [x0, #11, mul vl]
    str     z12, [x0, #12, mul vl]
    str     z13, [x0, #13, mul vl]
    str     z14, [x0, #14, mul vl]
    str     z15, [x0, #15, mul vl]
    str     z16, [x0, #16, mul vl]
    str     z17, [x0, #17, mul vl]
    str     z18, [x0, #18, mul vl]
    str     z19, [x0, #19, mul vl]
    str     z20, [x0, #20, mul vl]
    str     z21, [x0, #21, mul vl]
    str     z22, [x0, #22, mul vl]
    str     z23, [x0, #23, mul vl]
    str     z24, [x0, #24, mul vl]
    str     z25, [x0, #25, mul vl]
    str     z26, [x0, #26, mul vl]
    str     z27, [x0, #27, mul vl]
    str     z28, [x0, #28, mul vl]
    str     z29, [x0, #29, mul vl]
    str     z30, [x0, #30, mul vl]
    str     z31, [x0, #31, mul vl]
    addvl   x2, x0, #16
    addvl   x2, x2, #16
    str     p0, [x2, #0, mul vl]
    str     p1, [x2, #1, mul vl]
    str     p2, [x2, #2, mul vl]
    str     p3, [x2, #3, mul vl]
    str     p4, [x2, #4, mul vl]
    str     p5, [x2, #5, mul vl]
    str     p6, [x2, #6, mul vl]
    str     p7, [x2, #7, mul vl]
    str     p8, [x2, #8, mul vl]
    str     p9, [x2, #9, mul vl]
    str     p10, [x2, #10, mul vl]
    str     p11, [x2, #11, mul vl]
    str     p12, [x2, #12, mul vl]
    str     p13, [x2, #13, mul vl]
    str     p14, [x2, #14, mul vl]
    str     p15, [x2, #15, mul vl]
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
    wrffr   p0.b                    // (p0 is loaded below)
    ldr     p0, [x2, #0, mul vl]
    ldr     p1, [x2, #1, mul vl]
    ldr     p2, [x2, #2, mul vl]
    ldr     p3, [x2, #3, mul vl]
    ldr     p4, [x2, #4, mul vl]
    ldr     p5, [x2, #5, mul vl]
    ldr     p6, [x2, #6, mul vl]
    ldr     p7, [x2, #7, mul vl]
    ldr     p8, [x2, #8, mul vl]
    ldr     p9, [x2, #9, mul vl]
    ldr     p10, [x2, #10, mul vl]
    ldr     p11, [x2, #11, mul vl]
    ldr     p12, [x2, #12, mul vl]
    ldr     p13, [x2, #13, mul vl]
    ldr     p14, [x2, #14, mul vl]
    ldr     p15, [x2, #15, mul vl]
    ldr     z0, [x0, #0, mul vl]
    ldr     z1, [x0, #1, mul vl]
    ldr     z2, [x0, #2, mul vl]
    ldr     z3, [x0, #3, mul vl]
    ldr     z4, [x0, #4, mul vl]
    ldr     z5, [x0, #5, mul vl]
    ldr     z6, [x0, #6, mul vl]
    ldr     z7, [x0, #7, mul vl]
    ldr     z8, [x0, #8, mul vl]
    ldr     z9, [x0, #9, mul vl]
    ldr     z10, [x0, #10, mul vl]
    ldr     z11, [x0, #11, mul vl]
    ldr     z12, [x0, #12, mul vl]
    ldr     z13, [x0, #13, mul vl]
    ldr     z14, [x0, #14, mul vl]
    ldr     z15, [x0, #15, mul vl]
    ldr     z16, [x0, #16, mul vl]
    ldr     z17, [x0, #17, mul vl]
    ldr     z18, [x0, #18, mul vl]
    ldr     z19, [x0, #19, mul vl]
    ldr     z20, [x0, #20, mul vl]
    ldr     z21, [x0, #21, mul vl]
    ldr     z22, [x0, #22, mul vl]
    ldr     z23, [x0, #23, mul vl]
    ldr     z24, [x0, #24, mul vl]
    ldr     z25, [x0, #25, mul vl]
    ldr     z26, [x0, #26, mul vl]
    ldr     z27, [x0, #27, mul vl]
    ldr     z28, [x0, #28, mul vl]
    ldr     z29, [x0, #29, mul vl]
    ldr     z30, [x0, #30, mul vl]
    ldr     z31, [x0, #31, mul vl]
    ldr     x3, [x1, #0x200]
    ldr     x4, [x1, #0x208]
    msr     fpsr, x3
    msr     fpcr, x4
    ret

// fp_regs.S — all of FP/SIMD's registers at once, for the FP probe guest: q0–q31, then FPSR and FPCR (64 bits
// each), 528 bytes. Written apart from the hypervisor's fpsimd.S on purpose (LD1/ST1, not its LDP/STP): a probe
// that shared its code could not see a register that code leaves out.

// void fp_regs_load(const u8* x0)
.global fp_regs_load
fp_regs_load:
    ld1     {v0.16b, v1.16b, v2.16b, v3.16b}, [x0], #64
    ld1     {v4.16b, v5.16b, v6.16b, v7.16b}, [x0], #64
    ld1     {v8.16b, v9.16b, v10.16b, v11.16b}, [x0], #64
    ld1     {v12.16b, v13.16b, v14.16b, v15.16b}, [x0], #64
    ld1     {v16.16b, v17.16b, v18.16b, v19.16b}, [x0], #64
    ld1     {v20.16b, v21.16b, v22.16b, v23.16b}, [x0], #64
    ld1     {v24.16b, v25.16b, v26.16b, v27.16b}, [x0], #64
    ld1     {v28.16b, v29.16b, v30.16b, v31.16b}, [x0], #64
    ldp     x1, x2, [x0]
    msr     fpsr, x1
    msr     fpcr, x2
    ret

// void fp_regs_store(u8* x0)
.global fp_regs_store
fp_regs_store:
    st1     {v0.16b, v1.16b, v2.16b, v3.16b}, [x0], #64
    st1     {v4.16b, v5.16b, v6.16b, v7.16b}, [x0], #64
    st1     {v8.16b, v9.16b, v10.16b, v11.16b}, [x0], #64
    st1     {v12.16b, v13.16b, v14.16b, v15.16b}, [x0], #64
    st1     {v16.16b, v17.16b, v18.16b, v19.16b}, [x0], #64
    st1     {v20.16b, v21.16b, v22.16b, v23.16b}, [x0], #64
    st1     {v24.16b, v25.16b, v26.16b, v27.16b}, [x0], #64
    st1     {v28.16b, v29.16b, v30.16b, v31.16b}, [x0], #64
    mrs     x1, fpsr
    mrs     x2, fpcr
    stp     x1, x2, [x0]
    ret

// start.S — guest entry at EL1: stack, vectors, bss, MMU, main(), then exit with its result.
.section .text.start, "ax"
.global _start
_start:
    adrp    x1, __stack_top
    add     x1, x1, :lo12:__stack_top
    mov     sp, x1
    adrp    x1, kit_vectors
    add     x1, x1, :lo12:kit_vectors
    msr     vbar_el1, x1
    isb
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  bl      kit_mmu_init
    bl      main
    bl      kit_exit                // x0 = main's result; never returns

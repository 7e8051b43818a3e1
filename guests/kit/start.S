// start.S — guest entry at EL1: stack, vectors, bss, MMU, main(), then exit with its result.
.section .text.start, "ax"
.global _start
_start:
    mrs     x20, cntvct_el0         // the first instruction's time (kit::entry_counter)
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
2:  adrp    x1, kit_entry_ticks
    str     x20, [x1, :lo12:kit_entry_ticks]
    bl      kit_mmu_init
    bl      main
    bl      kit_exit                // x0 = main's result; never returns

// A secondary vCPU started by PSCI CPU_ON: x0 = its SecondaryBoot {stack top,
// function, argument}. Runs the function, then turns the vCPU off.
.global kit_secondary_start
kit_secondary_start:
    ldr     x1, [x0]
    mov     sp, x1
    mov     x19, x0
    adrp    x1, kit_vectors
    add     x1, x1, :lo12:kit_vectors
    msr     vbar_el1, x1
    isb
    bl      kit_mmu_enable_cpu
    ldp     x1, x0, [x19, #8]
    blr     x1
    bl      kit_cpu_off

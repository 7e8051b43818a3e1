// start.S — entry at EL2 for the boot core (from QEMU/firmware) and for secondaries (PSCI CPU_ON). Boot-only
// (link.ld): unmapped with the rest once guests run.
#include "layout.hpp"

.section .text.boot, "ax"

// Boot core: x0 = device tree, from the image's first instruction (the arm64
// Image header at the start of the vector table, entry.S). Everything before
// the first C++ call lives here.
.global boot_core
boot_core:
    msr     daifset, #0xf
    msr     spsel, #1               // (a loader may enter on SP_EL0: the stack and exceptions use SP_EL2)
    mov     x19, x0                 // device tree
    mov     x20, #0                 // core index 0

    // Clear .bss with registers only: the boot stack lives past it.
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  bl      cpu_common_setup
    mov     x0, x19
    bl      boot_main               // never returns

// Secondary cores: x0 = PSCI context id = our core index.
.global secondary_entry
secondary_entry:
    msr     daifset, #0xf
    msr     spsel, #1
    mov     x20, x0
    bl      cpu_common_setup        // (no memory written: its stack is not used yet)
    // Its MMU and caches on before its first store: with them off, its
    // stores would go around the caches, where the boot core, whose caches
    // are on, may hold older copies of the same lines (its stack's among
    // them) that a later cacheable read of this core could be served.
    // The boot core's own settings (mmu.cpp: g_el2_mmu_regs), read uncached.
    adrp    x1, g_el2_mmu_regs
    add     x1, x1, :lo12:g_el2_mmu_regs
    ldp     x2, x3, [x1]            // MAIR_EL2, TCR_EL2
    msr     mair_el2, x2
    msr     tcr_el2, x3
    ldp     x2, x3, [x1, #16]       // TTBR0_EL2, SCTLR_EL2
    msr     ttbr0_el2, x2
    isb
    tlbi    alle2
    dsb     sy
    isb
    msr     sctlr_el2, x3
    isb
    mov     x0, x20
    bl      secondary_main          // never returns

// Per-core state that must exist before C++: stack, vectors, FP access, MMU off.
// In: x20 = core index. Clobbers x0–x2.
cpu_common_setup:
    adrp    x1, __stacks_start
    add     x1, x1, :lo12:__stacks_start
    add     x2, x20, #1
    lsl     x2, x2, #TESSERA_STACK_SHIFT
    add     x1, x1, x2
    mov     sp, x1
    // CPTR_EL2: RES1 bits only, so FP/SIMD does not trap (libfdt uses it at boot).
    mov     x1, #0x33ff
    msr     cptr_el2, x1
    // SCTLR_EL2: RES1 bits; MMU and caches off until our tables exist.
    ldr     x1, =0x30c50830
    msr     sctlr_el2, x1
    adrp    x1, el2_vectors
    add     x1, x1, :lo12:el2_vectors
    msr     vbar_el2, x1
    isb
    ret

// entry.S — EL2 exception vectors, guest exit (save) and guest entry (restore).
#include "layout.hpp"

.macro ventry target, kind
    stp     x0, x1, [sp, #-16]!
    mov     x1, #\kind
    b       \target
.endm

// Vector slot `n` of the table (128 bytes, 32 instructions) starts here. A
// slot's own entry takes three; routines that are only ever branched or
// called to (entering a guest, the long ends of the short exits, the report
// of an EL2 fault) fill the rest of a few, so that the table's padding is
// code and no path takes a branch more. (.org refuses to move backwards: a slot that
// outgrew its 128 bytes fails the build instead of shifting the vectors.)
.macro slot n
    .org    el2_vectors + \n * 0x80
.endm

// The short half of a guest's registers, into its GuestRegs at x0 (x2 and x3
// stored already): x4-x18, x0 and x1 from the stack, and x30 — all a C++
// function may clobber. Uses x2, x3.
.macro save_short_rest
    stp     x4, x5, [x0, #32]
    stp     x6, x7, [x0, #48]
    stp     x8, x9, [x0, #64]
    stp     x10, x11, [x0, #80]
    stp     x12, x13, [x0, #96]
    stp     x14, x15, [x0, #112]
    stp     x16, x17, [x0, #128]
    str     x18, [x0, #144]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #GREGS_X0]
    str     x30, [x0, #GREGS_X30]
.endm

// The other half, into the GuestRegs at x0: x19-x29 (C++ preserved them)
// and SP_EL0. Uses x2.
.macro save_long_rest
    str     x19, [x0, #152]
    stp     x20, x21, [x0, #160]
    stp     x22, x23, [x0, #176]
    stp     x24, x25, [x0, #192]
    stp     x26, x27, [x0, #208]
    stp     x28, x29, [x0, #224]
    mrs     x2, sp_el0
    str     x2, [x0, #GREGS_SP_EL0]
.endm

.macro save_elr_spsr
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x2, x3, [x0, #GREGS_ELR]
.endm

// x2-x17 from the GuestRegs at x0 (both ways back into a guest).
.macro load_x2_to_x17
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
.endm

// Back into the guest from the GuestRegs at x0 whose short half alone was
// saved: the rest never left the core.
.macro resume_short
    ldr     x30, [x0, #GREGS_X30]
    load_x2_to_x17
    ldr     x18, [x0, #144]
    ldp     x0, x1, [x0, #GREGS_X0]
    eret
    dsb     nsh                     // no speculation past eret
    isb
.endm

// Its own section, first in the image: the 2 KiB alignment VBAR_EL2 needs
// costs no padding (the image loads 2 MiB aligned).
.section .text.vectors, "ax"
.align 11
.global el2_vectors
el2_vectors:
    // Current EL with SP_EL0: never taken (EL2 always runs on SP_EL2). The
    // first slot is the image's start instead: an arm64 Linux Image header
    // (Documentation/arch/arm64/booting.rst), so any loader that boots Linux
    // (QEMU -kernel, U-Boot booti) boots Tessera the same way — at EL2, MMU
    // off, x0 = device tree — then the boot core's first check.
.global _start
_start:
    b       boot_entry                  // code0
    .long   0                           // code1
    .quad   TESSERA_TEXT_OFFSET         // text_offset from the 2 MiB aligned RAM base
    .quad   __image_effective_size      // image_size: image, bss, stacks and boot pool
    .quad   0x2                         // flags: little endian, 4 KiB pages, near RAM base
    .quad   0, 0, 0                     // res2..res4
    .ascii  "ARM\x64"                   // magic
    .long   0                           // res5: no PE header
// A loader enters with the EL2 MMU off; once Tessera runs it is on, so an
// exception that ever landed in this slot is reported, not a second boot.
// (No stack yet at boot: x9, scratch, holds the test, and shows SCTLR_EL2
// in the report of an exception that lands here. start.S is boot-only, past
// TBZ's reach: a B goes there.)
boot_entry:
    mrs     x9, sctlr_el2
    tbnz    x9, #0, 1f
    b       boot_core
1:  stp     x0, x1, [sp, #-16]!
    mov     x1, #EXIT_SYNC
    b       el2_unexpected
slot 1
el2_sp0_irq:                        // (names for the profile: what follows in a slot is another routine)
    ventry  el2_unexpected, EXIT_IRQ

// void arch_enter_guest(GuestRegs* regs, u64 stack_top) — load and eret.
.global arch_enter_guest
arch_enter_guest:
    mov     sp, x1
enter_guest_regs:                   // (x0 = regs, with this exit's frames gone)
    ldp     x30, x2, [x0, #GREGS_X30]
    msr     sp_el0, x2
    ldp     x2, x3, [x0, #GREGS_ELR]
    msr     elr_el2, x2
    msr     spsr_el2, x3
    load_x2_to_x17
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldp     x0, x1, [x0, #GREGS_X0]
    eret
    dsb     nsh                     // no speculation past eret
    isb

slot 2
el2_sp0_fiq:
    ventry  el2_unexpected, EXIT_FIQ

// The ends of the short exits (below) that go on the long way.
call_exit_full:                     // list registers in use: as any other exit
    ldr     x2, [x0, #16]
    mov     x1, #EXIT_SYNC
    b       guest_exit
short_exit_decide:                  // handled; a scheduling decision follows
    mrs     x0, tpidr_el2
    ldr     x0, [x0]
    save_long_rest
    save_elr_spsr
    mrs     x0, tpidr_el2
    bl      tessera_short_exit_decide // never returns: ends in arch_enter_guest

slot 3
el2_sp0_serror:
    ventry  el2_unexpected, EXIT_SERROR

trap_exit_full:
    mrs     x0, tpidr_el2
    ldr     x0, [x0]
    save_long_rest
    mov     x1, #EXIT_SYNC
    b       guest_exit_saved
trap_exit_decide:                  // (ELR and SPSR are saved, and stepped)
    mrs     x0, tpidr_el2
    ldr     x0, [x0]
    save_long_rest
    mrs     x0, tpidr_el2
    bl      tessera_short_exit_decide // never returns: ends in arch_enter_guest

slot 4
    // Current EL with SP_EL2: a fault in the hypervisor itself.
el2_sync:
    stp     x0, x1, [sp, #-16]!
    mov     x1, #EXIT_SYNC
// An exception taken from EL2 itself: save all registers in a frame on this
// stack for the panic report. x0/x1 are already pushed; x1 = kind.
el2_unexpected:
    sub     sp, sp, #(GREGS_SIZE - 16)
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    ldp     x2, x3, [sp, #(GREGS_SIZE - 16)]
    stp     x2, x3, [sp, #GREGS_X0]
    str     x30, [sp, #GREGS_X30]
    mov     x0, sp
    bl      tessera_el2_exception   // never returns
slot 5
    ventry  el2_unexpected, EXIT_IRQ
slot 6
    ventry  el2_unexpected, EXIT_FIQ
slot 7
    ventry  el2_unexpected, EXIT_SERROR
slot 8
    // Lower EL, AArch64: a guest trapped or was interrupted. A call (HVC),
    // a data abort and an MSR/MRS take the short way first (below).
guest_vectors:                      // (a name for the profile: make bench-breakdown)
    stp     x0, x1, [sp, #-16]!
    mrs     x0, esr_el2
    lsr     x0, x0, #26             // EC
    cmp     x0, #0x16               // HVC from AArch64
    b.eq    call_exit
    cmp     x0, #0x24               // data abort from a lower EL
    b.eq    trap_exit
    cmp     x0, #0x18               // MSR, MRS
    b.eq    trap_exit
    mov     x1, #EXIT_SYNC
    b       guest_exit
slot 9
    ventry  irq_exit, EXIT_IRQ
slot 10
    ventry  guest_exit, EXIT_FIQ
slot 11
    ventry  guest_exit, EXIT_SERROR
slot 12
    // Lower EL, AArch32: only a guest's EL0 can be AArch32; same paths.
    ventry  guest_exit, EXIT_SYNC
slot 13
    ventry  irq_exit, EXIT_IRQ
slot 14
    ventry  guest_exit, EXIT_FIQ
slot 15
    ventry  guest_exit, EXIT_SERROR
slot 16                             // (the table's end)


// Save the guest's general registers into the current vCPU's GuestRegs
// (TPIDR_EL2 -> PerCore, whose first field points at them), then hand over to
// C++ on this core's stack. x0/x1 of the guest are on the stack; x1 = kind.
guest_exit:
    mrs     x0, tpidr_el2
    ldr     x0, [x0]
    stp     x2, x3, [x0, #16]
    save_short_rest                 // (the macros leave x1 alone)
    save_long_rest
    save_elr_spsr
guest_exit_saved:                   // (x1 = kind, every register saved)
    mrs     x0, tpidr_el2
    bl      tessera_guest_exit      // handles the exit
    mrs     x0, tpidr_el2
    bl      tessera_resume          // -> the registers to resume with, or 0
    cbnz    x0, enter_guest_regs
    mrs     x0, tpidr_el2
    bl      tessera_schedule        // never returns: ends in arch_enter_guest

// The short exits: a guest's call (HVC), an interrupt, a data abort that an
// emulated device answers and a system register access. Only the short half
// of its registers is saved (x0-x18, x30; for a trap ELR and SPSR too): a
// call reads and writes x0-x17 (SMCCC), an interrupt none, a trap one of
// them. Where no scheduling decision follows (tessera_resume, sched.hpp's
// may_resume) that half goes back and the guest resumes: x19-x29 and SP_EL0
// never left the core (C++ preserves x19-x29; EL2 takes no exception
// meanwhile). Otherwise the rest is saved and the exit ends as every other
// does. x0/x1 of the guest are on the stack.
//
// A call, while none of the vCPU's list registers is in use (else the full
// path: the exit saves them first): handle_hypercall answers it.
call_exit:
    mrs     x0, tpidr_el2
    ldr     x0, [x0]                // the vCPU's saved registers (= the vCPU)
    stp     x2, x3, [x0, #16]
    ldrh    w2, [x0, #VCPU_LR_STATE]
    cbnz    w2, call_exit_full
    save_short_rest
    bl      tessera_handle_hypercall // (hypercall.hpp; x0: the vCPU)
    mrs     x0, tpidr_el2
    bl      tessera_resume          // -> the registers to resume with, or 0
    cbz     x0, short_exit_decide
    resume_short
// An interrupt: handling it never reads the guest's registers.
irq_exit:
    mrs     x0, tpidr_el2
    ldr     x0, [x0]
    stp     x2, x3, [x0, #16]
    save_short_rest
    mrs     x0, tpidr_el2
    bl      tessera_irq_exit        // handles it
    mrs     x0, tpidr_el2
    bl      tessera_resume          // -> the registers to resume with, or 0
    cbz     x0, short_exit_decide
    resume_short

// A data abort or a system register access: tessera_trap_exit emulates a
// device access or the register whose general register is in the short
// half, or says it is not one for the short way.
trap_exit:
    mrs     x0, tpidr_el2
    ldr     x0, [x0]
    stp     x2, x3, [x0, #16]
    save_short_rest
    save_elr_spsr
    mrs     x0, tpidr_el2
    bl      tessera_trap_exit       // -> emulated (1), or 0: the full path
    cbz     w0, trap_exit_full
    mrs     x0, tpidr_el2
    bl      tessera_resume          // -> the registers to resume with, or 0
    cbz     x0, trap_exit_decide
    ldp     x2, x3, [x0, #GREGS_ELR] // (stepped over, or sent to a vector)
    msr     elr_el2, x2
    msr     spsr_el2, x3
    resume_short

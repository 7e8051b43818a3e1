// vectors.S — the guest kit's EL1 exception vectors: save a frame, call C++, restore.
.macro ventry kind
    .align 7
    sub     sp, sp, #288
    stp     x0, x1, [sp, #0]
    mov     x1, #\kind
    b       kit_vector_common
.endm

.section .text, "ax"
.align 11
.global kit_vectors
kit_vectors:
    ventry 0
    ventry 1
    ventry 2
    ventry 3
    ventry 0
    ventry 1
    ventry 2
    ventry 3
    ventry 0
    ventry 1
    ventry 2
    ventry 3
    ventry 0
    ventry 1
    ventry 2
    ventry 3

// Frame (see kit.hpp ExceptionFrame): x0..x30, elr, spsr, esr, far.
kit_vector_common:
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
    mrs     x2, elr_el1
    stp     x30, x2, [sp, #240]
    mrs     x2, spsr_el1
    mrs     x3, esr_el1
    stp     x2, x3, [sp, #256]
    mrs     x2, far_el1
    str     x2, [sp, #272]
    mov     x0, sp
    bl      kit_exception
    mov     sp, x0                  // the frame to resume (a thread switch gives another)
    ldp     x30, x2, [sp, #240]
    msr     elr_el1, x2
    ldr     x2, [sp, #256]
    msr     spsr_el1, x2
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #288
    eret

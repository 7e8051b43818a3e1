// layout.hpp — constants shared by the linker script, the assembly and C++.
#pragma once

#define TESSERA_LOAD_ADDR 0x40200000 /* 2 MiB into QEMU virt RAM: the DTB sits below */
#define TESSERA_TEXT_OFFSET 0x200000
#define TESSERA_BOOT_POOL 0x200000 /* tables before RAM is known; follows the image */
#define TESSERA_MAX_CORES 8
#define TESSERA_STACK_SHIFT 13 /* 8 KiB per core */
#define TESSERA_STACK_SIZE (1 << TESSERA_STACK_SHIFT)

/* Offsets into GuestRegs (vcpu_context.hpp), checked there by static_assert. */
#define GREGS_X0 0
#define GREGS_X30 240    /* 30 * 8 */
#define GREGS_SP_EL0 248 /* 31 * 8 */
#define GREGS_ELR 256    /* 32 * 8 */
#define GREGS_SPSR 264   /* 33 * 8 */
#define GREGS_SIZE 272   /* 34 * 8 */

/* Offset of Vcpu::lrs_used and lr_underflow (vm.hpp), read together by a
   call's exit: whether its list registers are in use (checked in exits.cpp). */
#define VCPU_LR_STATE 2528

/* Exit kinds passed from the vectors to C++ (ExitKind in exits.hpp). */
#define EXIT_SYNC 0
#define EXIT_IRQ 1
#define EXIT_FIQ 2
#define EXIT_SERROR 3

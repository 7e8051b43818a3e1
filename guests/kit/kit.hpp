// kit.hpp — the bare-metal guest kit: console, hypercalls, exceptions, and test helpers.
//
// A guest program defines `int main()`; returning ends the VM with that exit
// code (0 = clean). See docs/guest-kit.md.
#pragma once

#include "hypercall_abi.hpp"
#include "types.hpp"

namespace kit {

using tessera::u64;

/// Registers x0..x3 after an SMCCC call.
struct CallResult {
    u64 x0, x1, x2, x3;
};

/// Issues `hvc #0` with function `fid` and arguments x1..x6.
CallResult hvc(u64 fid, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0, u64 a4 = 0, u64 a5 = 0, u64 a6 = 0);
/// Issues `hvc #0` with x0 = `fid`, x1 = `a1`, for a call that answers in x0..x7.
struct WideResult {
    u64 x[8];
};
WideResult hvc_wide(u64 fid, u64 a1);
/// Issues `smc #0` likewise (trapped and answered by the hypervisor).
CallResult smc(u64 fid, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0);

/// Sends print() to the PL011 at the board's address instead of the
/// hypervisor's console call, so the same binary also runs with no
/// hypervisor at all (benchmarks compare the two).
void use_uart_console();

/// The virtual counter (CNTVCT_EL0, ticks since boot), read in program order.
inline u64 counter() {
    u64 v;
    asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

/// counter() at the VM's first instruction (kit/start.S reads it before anything else).
u64 entry_counter();

/// Counter ticks per second (CNTFRQ_EL0).
inline u64 counter_frequency() {
    u64 v;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

/// printf to the VM's console (tagged with the VM's name by the hypervisor).
void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// Ends the VM with `code` (0 = ended cleanly). Never returns.
[[noreturn]] void exit(u64 code);
/// Powers the VM off through PSCI SYSTEM_OFF. Never returns.
[[noreturn]] void poweroff();

/// Its failover pair, as TESSERA_HA_STATUS tells it.
struct HaStatus {
    bool standby;          ///< it is the pair's waiting VM
    u64 takeovers;         ///< times it took over from its partner
    u64 partner;           ///< the partner's VM id (~0: none)
    bool partner_alive;    ///< the partner runs or is restarting (not ended for good)
    u64 partner_failed_at; ///< counter() when the partner last failed (0: never)
};
HaStatus ha_status();

/// Who this vCPU is.
struct VmInfo {
    u64 vm_id, vcpu_index, vcpu_count;
    u64 restarts;  ///< times its failure policy restarted it
    u64 failed_at; ///< counter() when it last failed (0: never)
};
VmInfo vm_info();

/// What the vectors saved when an exception reached EL1.
struct ExceptionFrame {
    u64 x[31];
    u64 elr, spsr, esr, far;
    u64 pad;
};
static_assert(sizeof(ExceptionFrame) == 288, "vectors.S reserves 288 bytes");

/// Handles an exception; return true if handled (the frame, with any change
/// to elr, is resumed), false to let the kit report it and fail the VM.
using ExceptionHandler = bool (*)(ExceptionFrame& frame, u64 kind);
void set_exception_handler(ExceptionHandler handler);

/// From now on, steps over each undefined instruction (a synchronous
/// exception with EC 0) and counts it, instead of failing the VM: for
/// probes of what a register or an instruction does where the hypervisor
/// hides it. Installs its own exception handler; any other exception still
/// fails the VM. The count starts at zero.
void count_undefined_instructions();
/// How many undefined instructions were stepped over since.
unsigned undefined_instructions();

/// After a handled exception, picks the frame to resume: the interrupted
/// one, or one saved earlier on another stack (a thread switch; the frame
/// lives at the top of its stack, as the vectors left it). For in-guest
/// kernels such as the RTOS.
using FrameSwitch = ExceptionFrame* (*)(ExceptionFrame* interrupted);
void set_frame_switch(FrameSwitch choose);

/// Starts vCPU `index` (PSCI CPU_ON) running `fn(arg)` on its own stack;
/// when `fn` returns the vCPU turns itself off. Returns the PSCI status.
long start_cpu(unsigned index, void (*fn)(u64), u64 arg);
/// Turns the calling vCPU off (PSCI CPU_OFF). Never returns.
[[noreturn]] void cpu_off();

/// Fails the test with `what` (printing "FAIL: what") unless `ok`.
void check(bool ok, const char* what);
/// Prints "PASS" and ends the VM cleanly.
[[noreturn]] void pass();

} // namespace kit

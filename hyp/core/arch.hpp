// arch.hpp — what the portable core asks of the architecture (implemented by hyp/arch/aarch64 and, for the unit tests,
// hyp/arch/host).
#pragma once

#include "addr.hpp"
#include "types.hpp"

namespace tessera {
struct LrEntry;
struct PerCore;
struct Vcpu;
struct Vm;
} // namespace tessera

namespace tessera::arch {

/// Sets `v`'s registers as after a reset: EL1h, interrupts masked, MMU off,
/// PC = `entry`, x0 = `x0`.
void vcpu_reset(Vcpu& v, Ipa entry, u64 x0);

/// Makes `v` current on `core` (switching EL1 state and stage-2 if another
/// vCPU was loaded) and enters it. Never returns; the next exit arrives in
/// tessera_guest_exit.
[[noreturn]] void run_vcpu(PerCore& core, Vcpu& v);

/// Raises a synchronous external abort in the loaded vCPU `v`, as a bus error
/// on its access at virtual address `far` would. Returns the guest PC of the
/// vector it will run next.
u64 inject_external_abort(Vcpu& v, u64 far, bool instruction, bool write);

/// Raises an Undefined Instruction exception in the loaded vCPU `v`.
void inject_undefined(Vcpu& v);

/// The SVE vector length, in 128-bit granules, the board gives a VM that
/// asks for `vq`: the longest it implements up to `vq`; 0 if it has no SVE.
unsigned sve_vector_granules(unsigned vq);

/// Takes one 64-bit word from the core's random number instruction (RNDR);
/// false if the core has none or it had no entropy to give this time.
[[nodiscard]] bool hardware_random(u64& out);

/// Leaves this core with no vCPU state in its registers (the loaded vCPU's
/// saved, and loaded again before it next runs), so that EL2 code may use
/// the FP/SIMD registers: the library code of with_fp_borrowed() does.
/// Afterwards this exit must not write the unloaded vCPU's EL1 registers
/// directly (an injected exception would): the next load overwrites them.
void fp_borrow();

/// Runs `fn` (code that may use the FP/SIMD registers) after fp_borrow().
template <class Fn> void with_fp_borrowed(Fn fn) {
    fp_borrow();
    fn();
}

/// Whether the board has MTE with tag memory for its guests.
[[nodiscard]] bool board_has_mte();

/// Whether this build lends the PMU to guests (false in the minimal build,
/// hyp/modules/absent.cpp: a PMU access is undefined, and none is shown).
[[nodiscard]] bool pmu_lent();

/// Zeroes `size` bytes at `p` and cleans them to the point of coherency, in
/// one pass (a whole cache block per instruction where it can): what a guest
/// that starts with its MMU and caches off reads there is zeros.
void zero_to_poc(void* p, u64 size);

/// Makes the data at `p` visible to a guest that starts with its MMU and
/// caches off, and to its instruction fetches.
void clean_dcache_to_poc(const void* p, u64 size);

/// Whether EL2 maps RAM as Tagged and may write its MTE allocation tags: the
/// board has tag memory (ID_AA64PFR1_EL1.MTE ≥ 2). Read from the core, so
/// that it is known before the boot maps RAM (before the ID registers' copy).
[[nodiscard]] bool el2_tags();

/// Sets the MTE allocation tags of [p, p + size) to 0 (whole zeroing blocks:
/// the caller's ranges are page-aligned), data untouched, on a board where
/// el2_tags(): a VM with MTE finds none of its last run's tags, as it finds
/// none of its data.
void clear_tags(void* p, u64 size);

/// Makes every core's instruction cache forget what it holds, after a VM's
/// RAM was rewritten with zeros only: none of its last run's instructions
/// may still be fetched from there.
void forget_instructions();

/// Puts `e` into a free list register of `v` — the vCPU loaded on this core
/// and in EL2 here, between its exit and its entry — so that its entry needs
/// no pick. False if none is free. (What is placed stays until the vCPU's
/// next exit, or lrs_drain().)
[[nodiscard]] bool lr_place(Vcpu& v, const LrEntry& e);

/// Sets pending again, in place, the list register of `v` (loaded on this
/// core, its exit not yet handed its list registers back) that held edge or
/// forwarded (`hw`) interrupt `intid` and that the guest has since
/// finished, at `priority`: true if there was one. Its model state (in a
/// list register) is the same before and after: nothing else changes.
[[nodiscard]] bool lr_refill(Vcpu& v, u32 intid, u8 priority, bool hw);

/// Hands what lr_place() put in the list registers of the vCPU loaded on
/// `core` back to the vGIC model: before a scheduling decision may run
/// another vCPU there, or stop this one. On `core`.
void lrs_drain(PerCore& core);

/// Interrupts `core` so that it reschedules (e.g. its vCPU was stopped).
void kick_core(unsigned core);

/// Sleeps until an interrupt is pending for this core.
void idle_wait();

/// Makes every core forget stage-2 translations it cached, after a mapping
/// was removed from a VM's table (a failover moving a channel: rare).
void stage2_unmapped();

/// Makes every core forget the translations it cached for `vm` (its VMID's
/// stage-2 and stage-1 entries), after mappings were removed from its table
/// (its restart: ram_fill.hpp). Other VMs' entries stay.
void stage2_forget(const Vm& vm);

/// Forgets hardware state a VM's vCPUs left on their cores (a forwarded
/// timer interrupt still active), before the VM restarts.
void vm_release_hw(Vm& vm);

/// Microseconds since the system counter started (monotonic, every core).
u64 now_us();

/// The system counter: the scheduler's clock (ticks).
u64 now_ticks();

/// `us` microseconds in counter ticks.
u64 us_to_ticks(u64 us);

/// Interrupts this core when the counter reaches `deadline` (~0: never).
void set_core_timer(u64 deadline);

/// Waits a little: until another core signals an event (`sev`) or the
/// counter's event stream wakes this one (every 16 us at most). Under QEMU it
/// yields to the other cores, which a busy loop would starve.
void wait_event();

/// Waits until `done()` holds or `timeout_us` passes; true if it holds.
template <class Done> [[nodiscard]] bool wait_until(Done done, u64 timeout_us) {
    const u64 end = now_us() + timeout_us;
    while (!done()) {
        if (now_us() >= end) return false;
        wait_event();
    }
    return true;
}

/// Routes physical SPI `intid` to core `core` and enables it (a device
/// passed through to a VM).
void route_device_irq(u32 intid, unsigned core);

/// Routes device SPI `intid` to core `core` from now on (its VM's failover
/// standby took the device over), finishing it first if it was active: the
/// failed VM that had it will never deactivate it.
void move_device_irq(u32 intid, unsigned core);

/// Index of the core this runs on.
unsigned this_core();

/// Powers the machine off through PSCI. Never returns.
[[noreturn]] void system_off();

/// Prints the panic report for `reason`, stops every other core and powers off.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace tessera::arch

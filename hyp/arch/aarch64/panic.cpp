// panic.cpp (aarch64) — the report for an unexpected EL2 exception or a fatal error, then halt.
#include <atomic>

#include "arch.hpp"
#include "console.hpp"
#include "esr.hpp"
#include "sched.hpp"
#include "smp.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

namespace {

constinit std::atomic<u32> g_panicking{0};

unsigned panic_core() {
    const auto* core = reinterpret_cast<const PerCore*>(tpidr_el2::read());
    return core != nullptr ? core->index : static_cast<unsigned>(mpidr_el1::read() & 0xff);
}

/// Only the first panicking core reports; any other just halts.
void claim_panic() {
    u32 expected = 0;
    if (!g_panicking.compare_exchange_strong(expected, 1u, std::memory_order_acq_rel, std::memory_order_acquire)) {
        for (;;) wfi();
    }
}

[[noreturn]] void stop_everything() {
    if (stop_other_cores()) {
        log_force("PANIC: every core stopped; powering off");
    } else {
        log_force("PANIC: a core did not stop within 100 ms; powering off anyway");
    }
    system_off();
}

} // namespace

void panic(const char* fmt, ...) {
    asm volatile("msr daifset, #0xf");
    claim_panic();
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    BufferSink sink(msg, sizeof msg);
    vformat(sink, fmt, ap);
    va_end(ap);
    log_force("PANIC on core %u: %s", panic_core(), msg);
    stop_everything();
}

/// The report for an exception taken at EL2: what it was, where, which core.
[[noreturn]] void el2_exception(const u64* frame) {
    claim_panic();
    const u64 esr = esr_el2::read();
    const u32 c = esr_ec(esr);
    log_force("PANIC on core %u: unexpected exception at EL2: %s", panic_core(), esr_class_name(c));
    log_force("  ESR_EL2 %#018llx (EC %#04x, ISS %#09x)", static_cast<unsigned long long>(esr), c, esr_iss(esr));
    if (esr_is_abort(c)) {
        const u32 fsc = esr_iss(esr) & 0x3f;
        const bool fetch = c == ec::iabt_same || c == ec::iabt_lower;
        log_force("  %s (level %u) on %s", esr_fault_name(fsc), fsc & 3,
                  fetch               ? "instruction fetch"
                  : (esr & (1u << 6)) ? "write"
                                      : "read");
    }
    log_force("  ELR_EL2 %#018llx  FAR_EL2 %#018llx", static_cast<unsigned long long>(elr_el2::read()),
              static_cast<unsigned long long>(far_el2::read()));
    for (unsigned i = 0; i < 30; i += 3) {
        log_force("  x%-2u %016llx  x%-2u %016llx  x%-2u %016llx", i, static_cast<unsigned long long>(frame[i]), i + 1,
                  static_cast<unsigned long long>(frame[i + 1]), i + 2, static_cast<unsigned long long>(frame[i + 2]));
    }
    log_force("  x30 %016llx", static_cast<unsigned long long>(frame[30]));
    stop_everything();
}

} // namespace tessera::arch

/// Called by entry.S for any exception taken from EL2 itself, with the
/// interrupted registers x0..x30 in `frame`. Never returns.
extern "C" [[noreturn]] void tessera_el2_exception(const tessera::u64* frame) { tessera::arch::el2_exception(frame); }

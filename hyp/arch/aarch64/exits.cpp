// exits.cpp (aarch64) — decoding a guest's exit to EL2 and dispatching it to the core.
#include "arch.hpp"
#include "esr.hpp"
#include "format.hpp"
#include "gicv3.hpp"
#include "guest_fault.hpp"
#include "hypercall.hpp"
#include "sched.hpp"
#include "smp.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

namespace {

/// A trapped system register access (EC 0x18). Debug and PMU registers read
/// as zero and ignore writes (the guest sees no debug or PMU hardware);
/// anything else (implementation-defined registers, ACTLR) is undefined.
void on_sysreg_trap(Vcpu& v, u32 iss) {
    const u32 op0 = (iss >> 20) & 3;
    const u32 op1 = (iss >> 14) & 7;
    const u32 crn = (iss >> 10) & 0xf;
    const u32 rt = (iss >> 5) & 0x1f;
    const bool read = iss & 1;
    const bool debug = op0 == 2;
    const bool pmu = op0 == 3 && ((op1 == 3 && (crn == 9 || crn == 14)) || (op1 == 0 && crn == 9));
    if (debug || pmu) {
        if (read && rt != 31) v.ctx.regs.x[rt] = 0;
        v.ctx.regs.elr += 4;
        return;
    }
    inject_undefined(v);
}

void on_sync(Vcpu& v) {
    const u64 esr = esr_el2::read();
    const u32 iss = esr_iss(esr);
    switch (esr_ec(esr)) {
    case ec::hvc64: handle_hypercall(v); return; // ELR already points past the hvc
    case ec::smc64:
        // Trapped by HCR_EL2.TSC: ELR points at the smc itself.
        v.ctx.regs.elr += 4;
        handle_hypercall(v);
        return;
    case ec::sysreg: on_sysreg_trap(v, iss); return;
    case ec::wfx: v.ctx.regs.elr += 4; return;
    case ec::iabt_lower:
    case ec::dabt_lower: {
        const u64 far = far_el2::read();
        const Ipa ipa((hpfar_el2::read() >> 4) << 12 | (far & 0xfff));
        const bool instruction = esr_ec(esr) == ec::iabt_lower;
        const bool write = !instruction && (iss & (1u << 6)) && !(iss & (1u << 7)); // WnR, not a table walk
        on_guest_abort(v, ipa, far, v.ctx.regs.elr, instruction, write);
        return;
    }
    default: {
        char why[96];
        format_to(why, sizeof why, "%s (EC %#x, ISS %#x) at PC %#llx", esr_class_name(esr_ec(esr)), esr_ec(esr), iss,
                  static_cast<unsigned long long>(v.ctx.regs.elr));
        vm_stop(*v.vm, StopReason::unhandled_trap, 0, why);
        return;
    }
    }
}

} // namespace

} // namespace tessera::arch

using namespace tessera;

/// Called by entry.S after a guest's registers are saved. Never returns.
extern "C" [[noreturn]] void tessera_guest_exit(PerCore* core, u64 kind) {
    Vcpu& v = *core->current;
    switch (kind) {
    case EXIT_SYNC: arch::on_sync(v); break;
    case EXIT_IRQ: arch::handle_core_interrupts(*core); break;
    default: {
        char why[64];
        format_to(why, sizeof why, "%s from the guest", kind == EXIT_FIQ ? "FIQ" : "SError");
        vm_stop(*v.vm, StopReason::fault, 0, why);
        break;
    }
    }
    schedule(*core);
}

// exits.cpp (aarch64) — decoding a guest's exit to EL2 and dispatching it to the core.
#include "aarch32.hpp"
#include "arch.hpp"
#include "at_walk.hpp"
#include "esr.hpp"
#include "format.hpp"
#include "gicv3.hpp"
#include "guest_fault.hpp"
#include "hypercall.hpp"
#include "id_regs.hpp"
#include "mmio.hpp"
#include "pgtable.hpp"
#include "progress.hpp"
#include "sched.hpp"
#include "smp.hpp"
#include "sysreg.hpp"
#include "sysreg_trap.hpp"
#include "vdebug.hpp"
#include "vgic_lr.hpp"
#include "vpmu.hpp"
#include "vsve.hpp"

namespace tessera::arch {

namespace {

constexpr u32 ISS_WNR = 1u << 6, ISS_S1PTW = 1u << 7, ISS_CM = 1u << 8; // a data abort's syndrome

/// step_over() for a 32-bit process, out of line: the common case (AArch64,
/// every instruction 4 bytes) costs one test.
[[gnu::noinline]] void step_over_aarch32(GuestRegs& g, u64 esr) {
    g.elr += 2 + ((esr >> 24) & 2);
    g.spsr = aarch32::it_advance(g.spsr);
}

/// Steps the guest past the instruction that trapped: 4 bytes, or 2 for a
/// 16-bit T32 one of a 32-bit process (ESR_EL2.IL), and on through its IT
/// block, as if it had run.
[[gnu::always_inline]] inline void step_over(Vcpu& v, u64 esr) {
    GuestRegs& g = v.ctx.regs;
    if (aarch32::from_aarch32(g.spsr)) [[unlikely]] {
        step_over_aarch32(g, esr);
        return;
    }
    g.elr += 4;
}

/// Whether a trapped instruction of a 32-bit process fails its condition
/// (ISS.CV and COND; with CV clear, its IT block's): the core may trap one
/// anyway, and it must then do nothing. Always false for AArch64.
bool condition_fails(const Vcpu& v, u64 esr) {
    const u64 spsr = v.ctx.regs.spsr;
    if (!aarch32::from_aarch32(spsr)) return false;
    const u32 cond = (esr >> 24 & 1) != 0 ? static_cast<u32>(esr >> 20) & 0xf : aarch32::it_condition(spsr);
    return !aarch32::condition_passed(cond, spsr);
}

/// MDCR_EL2 for the loaded vCPU after it was lent the PMU or the debug
/// registers: those traps lifted, the access retried.
void lift_traps(const Vcpu& v) { mdcr_el2::write(pmu_mdcr(v.ctx.pmu) | debug_mdcr(v.ctx.debug)); }

/// An instruction the guest may not run: an undefined instruction for it,
/// said once on the console (not on every retry of a loop).
void refuse(Vcpu& v, u32 encoding, const char* what) {
    if (v.vm->unknown_sysreg != encoding && guest_may_log(*v.vm)) {
        v.vm->unknown_sysreg = encoding;
        log("vm %s: vCPU %u: %s at PC %#llx is not emulated: undefined instruction", v.vm->name(), v.index, what,
            static_cast<unsigned long long>(v.ctx.regs.elr));
    }
    inject_undefined(v);
}

/// A 32-bit process's coprocessor access that trapped (EC 0x03–0x06, 0x0C).
/// The debug registers (CP14) and the PMU's (CP15 c9 with CRm 12–14, c14
/// with CRm 8–15, 64-bit c9) are lent on first use and the access retried, as
/// for AArch64; anything else, or a trap once lent, is an undefined
/// instruction for the process — never a reason to stop its VM.
void on_coproc_trap(Vcpu& v, u64 esr) {
    if (condition_fails(v, esr)) {
        step_over(v, esr);
        return;
    }
    const u32 c = esr_ec(esr);
    const u32 crn = static_cast<u32>(esr >> 10) & 0xf, crm = static_cast<u32>(esr >> 1) & 0xf;
    // DBGDRAR and DBGDSAR, the debug ROM table's addresses (MRC with CRn 1
    // or 2, MRRC with CRm 1 or 2), always trap (MDCR_EL2.TDRA): they read
    // as zero, "not valid", as a 64-bit kernel's MDRAR_EL1 does.
    const bool read = (esr & 1) != 0;
    const bool mrc_rom = c == ec::cp14_mcr && (crn == 1 || crn == 2) && crm == 0 && (esr >> 14 & 0x3f) == 0;
    if (read && (mrc_rom || (c == ec::cp14_mrrc && (crm == 1 || crm == 2)))) {
        auto zero = [&](u64 r) {
            if (r < 31) v.ctx.regs.x[r] = 0;
        };
        zero(esr >> 5 & 0x1f);                          // Rt
        if (c == ec::cp14_mrrc) zero(esr >> 10 & 0x1f); // Rt2
        step_over(v, esr);
        return;
    }
    if (c == ec::cp14_mcr || c == ec::cp14_ldc || c == ec::cp14_mrrc) {
        if (!v.ctx.debug.owned && debug_claim(v.ctx.debug)) {
            lift_traps(v);
            return;
        }
    } else if (c == ec::cp15_mcrr ? crm == 9 : (crn == 9 && crm >= 12) || (crn == 14 && crm >= 8)) {
        if (!v.ctx.pmu.owned && pmu_claim(v.ctx.pmu)) {
            lift_traps(v);
            return;
        }
    }
    char what[48];
    format_to(what, sizeof what, "%s (ISS %#x)", esr_class_name(c), esr_iss(esr));
    refuse(v, static_cast<u32>(esr), what);
}

/// A trapped system register access (EC 0x18), sorted by its exact encoding
/// (sysreg_trap.cpp). ID registers read the VM's view; PMU and debug
/// registers trap only until the vCPU claims them; anything else is an
/// undefined instruction for the guest, said once on the console with the
/// register's name.
void on_sysreg_trap(Vcpu& v, u32 iss) {
    const SysregAccess a = sysreg_decode(iss);
    switch (sysreg_kind(a)) {
    case SysregKind::sgi:
        // ICC_SGI1R_EL1 / ICC_ASGI1R_EL1: a guest IPI, through the virtual GIC.
        if (!a.read && a.op2 != 7) vgic_send_sgi(v, a.rt == 31 ? 0 : v.ctx.regs.x[a.rt]);
        v.ctx.regs.elr += 4;
        return;
    case SysregKind::id:
        if (!a.read) break; // (read-only registers: an MSR is undefined)
        if (a.rt != 31) {
            const unsigned reg = a.crm * 8u + a.op2;
            v.ctx.regs.x[a.rt] = id_register_view(reg, g_id_regs[reg - idreg::FIRST], v.vm->cpu, pt::INPUT_BITS);
        }
        v.ctx.regs.elr += 4;
        return;
    case SysregKind::pmu:                 // the first PMU access: the counters become this vCPU's; retry it
        if (!pmu_claim(v.ctx.pmu)) break; // (a build without PMU lending: undefined)
        lift_traps(v);
        return;
    case SysregKind::debug: // likewise the breakpoints, watchpoints and MDSCR_EL1
        if (!debug_claim(v.ctx.debug)) break;
        lift_traps(v);
        return;
    case SysregKind::debug_lock: {
        const u64 value = debug_lock_access(v.ctx.debug, a, a.rt == 31 ? 0 : v.ctx.regs.x[a.rt]);
        if (a.read && a.rt != 31) v.ctx.regs.x[a.rt] = value;
        v.ctx.regs.elr += 4;
        return;
    }
    case SysregKind::unknown: break;
    }
    char name[24];
    sysreg_name(a, name, sizeof name);
    char what[32];
    format_to(what, sizeof what, "%s of %s", a.read ? "MRS" : "MSR", name);
    refuse(v, iss & SYSREG_ENCODING_BITS, what);
}

/// A data abort, perhaps on an emulated device: decode the access from the
/// syndrome (ISV: size, direction, register, sign extension) and let the
/// device model there answer — one lookup. False if no device is there, the
/// access is not aligned to its size, or it was a stage-1 table walk (never
/// a device access: ISS.S1PTW, whose aborts have no ISV): the caller deals
/// with it.
bool on_mmio(Vcpu& v, Ipa ipa, u64 esr) {
    const u32 iss = esr_iss(esr);
    const bool isv = (iss >> 24) & 1;
    if (!isv) {
        if ((iss & ISS_S1PTW) != 0 || !mmio_claims(*v.vm, ipa)) return false;
        char why[96];
        format_to(why, sizeof why, "MMIO access at IPA %#llx that cannot be decoded (no ISV; e.g. ldp/stp)",
                  static_cast<unsigned long long>(ipa.raw()));
        vm_stop(*v.vm, StopReason::unhandled_trap, 0, why);
        return true;
    }
    const bool write = (iss >> 6) & 1; // WnR
    const unsigned size = 1u << ((iss >> 22) & 3);
    const bool sign_extend = (iss >> 21) & 1;
    const unsigned rt = (iss >> 16) & 0x1f;
    const bool sixty_four = (iss >> 15) & 1;
    u64 value = 0;
    if (write) {
        value = rt == 31 ? 0 : v.ctx.regs.x[rt];
        if (size < 8) value &= (1ull << (8 * size)) - 1;
    }
    const MmioResult r = mmio_emulate(v, ipa, size, write, value);
    if (r == MmioResult::no_device || r == MmioResult::misaligned) return false; // (an external abort: a bus error)
    if (r == MmioResult::retry) return true; // (the same access again: the device takes its next share)
    if (r != MmioResult::done) {
        char why[96];
        format_to(why, sizeof why, "%u-byte %s at IPA %#llx is not a valid device access", size,
                  write ? "write" : "read", static_cast<unsigned long long>(ipa.raw()));
        vm_stop(*v.vm, StopReason::unhandled_trap, 0, why);
        return true;
    }
    if (!write && rt != 31) {
        if (size < 8) {
            value &= (1ull << (8 * size)) - 1;
            if (sign_extend && (value >> (8 * size - 1)) & 1) value |= ~((1ull << (8 * size)) - 1);
        }
        if (!sixty_four) value &= 0xffff'ffff;
        v.ctx.regs.x[rt] = value;
    }
    step_over(v, esr);
    return true;
}

/// WFI on a shared core: the vCPU sleeps until an interrupt or the earlier
/// of its two timers.
void wait_for_interrupt(Vcpu& v) {
    const GuestTimer t =
        earliest_timer({cntv_ctl_el0::read(), cntv_cval_el0::read()}, {cntp_ctl_el0::read(), cntp_cval_el0::read()});
    vcpu_wait_for_interrupt(v, t.ctl, t.cval);
}

/// A forwarded timer interrupt the guest has not taken yet, while its timer
/// no longer raises it (disabled, masked, or given a later deadline), is
/// withdrawn: on bare metal the level-sensitive line would have dropped.
/// Checked on every exit; costs a few loads unless a timer interrupt waits.
void resample_timers(Vcpu& v) {
    // (A peek without the lock: only this core forwards this vCPU's timers,
    // and vgic_withdraw checks again under it.)
    auto waiting = [&](u32 intid) {
        const VirqState& s = v.vgic.priv[intid];
        return s.hw && s.pending && !s.active && !s.in_lr;
    };
    if (waiting(VGIC_VTIMER_INTID) && !timer_asserted({cntv_ctl_el0::read(), 0}) &&
        vgic_withdraw(v, VGIC_VTIMER_INTID)) {
        gic_deactivate(VGIC_VTIMER_INTID);
    }
    if (waiting(VGIC_PTIMER_INTID) && !timer_asserted({cntp_ctl_el0::read(), 0}) &&
        vgic_withdraw(v, VGIC_PTIMER_INTID)) {
        gic_deactivate(VGIC_PTIMER_INTID);
    }
}

/// A synchronous exit: a call, a trapped instruction or an abort.
void dispatch_sync(Vcpu& v, u64 esr) {
    const u32 iss = esr_iss(esr);
    switch (esr_ec(esr)) {
    case ec::smc64:
        // Trapped by HCR_EL2.TSC: ELR points at the smc itself.
        v.ctx.regs.elr += 4;
        handle_hypercall(v);
        return;
    case ec::sysreg: on_sysreg_trap(v, iss); return;
    case ec::cp15_mcr:
    case ec::cp15_mcrr:
    case ec::cp14_mcr:
    case ec::cp14_ldc:
    case ec::cp14_mrrc: on_coproc_trap(v, esr); return;
    case ec::sve: sve_first_use(v); return;
    case ec::sme: inject_undefined(v); return; // SME is hidden: as on a core without it
    case ec::wfx:                              // trapped only on a core that vCPUs share (ISS.TI: 0 WFI, 1 WFE)
        if (condition_fails(v, esr)) {
            step_over(v, esr);
            return;
        }
        step_over(v, esr);
        if ((iss & 1) != 0)
            vcpu_yield(v);
        else
            wait_for_interrupt(v);
        return;
    case ec::dabt_lower: {
        const u64 far = far_el2::read();
        const Ipa ipa((hpfar_el2::read() >> 4) << 12 | (far & 0xfff));
        if (on_mmio(v, ipa, esr)) return;
        // A stage-1 walk that left its memory: for an AT a result in
        // PAR_EL1 (ISS.CM), otherwise an external abort (a walk reads).
        const bool walk = (iss & ISS_S1PTW) != 0;
        if (walk && (iss & ISS_CM) != 0 && at_walk_fault(v, esr)) return;
        on_guest_abort(v, ipa, far, v.ctx.regs.elr, false, (iss & ISS_WNR) != 0 && !walk);
        return;
    }
    case ec::iabt_lower: {
        const u64 far = far_el2::read();
        on_guest_abort(v, Ipa((hpfar_el2::read() >> 4) << 12 | (far & 0xfff)), far, v.ctx.regs.elr, true, false);
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

void on_sync(Vcpu& v) {
    const u64 esr = esr_el2::read();
    if (esr_ec(esr) == ec::hvc64) [[likely]] { // (every hypercall: ELR already points past the hvc)
        handle_hypercall(v);
        return;
    }
    const u64 pc = v.ctx.regs.elr;
    dispatch_sync(v, esr);
    // An exit that keeps the vCPU on the same instruction, again and again,
    // stops its VM with the reason: never a silent loop. (After an HVC the
    // guest already stands past it: a loop of calls is progress.)
    (void)note_progress(v, pc, [esr] { return esr_class_name(esr_ec(esr)); });
}

} // namespace

} // namespace tessera::arch

using namespace tessera;

/// Called by entry.S after a guest's registers are saved. Never returns.
extern "C" [[noreturn]] void tessera_guest_exit(PerCore* core, u64 kind) {
    Vcpu& v = *core->current.load(std::memory_order_relaxed); // (this core wrote it)
    arch::vgic_sync_lrs_on_exit(v);
    arch::resample_timers(v);
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

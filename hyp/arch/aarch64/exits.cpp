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
#include "ram_fill.hpp"
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

/// Whether an abort's status code (DFSC/IFSC) is a translation fault, at
/// any level: the only stage-2 fault a piece of RAM not filled yet makes
/// (ram_fill.hpp). Any other fault in RAM is not one to fill and retry.
constexpr bool translation_fault(u32 iss) { return (iss & 0x3c) == 0x04; }

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
/// A system register access nothing emulates: an undefined instruction.
[[gnu::noinline, gnu::cold]] void refuse_sysreg(Vcpu& v, const SysregAccess& a, u32 iss) {
    char name[24];
    sysreg_name(a, name, sizeof name);
    char what[32];
    format_to(what, sizeof what, "%s of %s", a.read ? "MRS" : "MSR", name);
    const u64 pc = v.ctx.regs.elr;
    refuse(v, iss & SYSREG_ENCODING_BITS, what);
    // (Sent to its vector: moved on — unless the vector is the access itself.)
    (void)note_progress(v, pc, [] { return esr_class_name(ec::sysreg); });
}

/// A claim of the PMU or the debug registers: the access runs again, untrapped.
[[gnu::noinline]] void retry_after_claim(Vcpu& v) {
    lift_traps(v);
    (void)note_stall(v, v.ctx.regs.elr, esr_class_name(ec::sysreg)); // (not a step on)
}

/// Its exit's progress is noted here: a claim retries the access (towards a
/// stall), everything else moves the vCPU on. (True: for a caller's tail call.)
bool on_sysreg_trap(Vcpu& v, u32 iss) {
    if (sysreg_is_sgi(iss)) {
        // ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 written: a guest IPI, through the
        // virtual GIC (ICC_SGI0R_EL1, Group 0, and reads do nothing).
        v.stalls = 0;
        v.ctx.regs.elr += 4; // (first: the delivery is the tail of this exit)
        const unsigned rt = iss >> 5 & 0x1f, op2 = iss >> 17 & 7;
        if ((iss & 1) == 0 && op2 != 7) vgic_send_sgi(v, rt == 31 ? 0 : v.ctx.regs.x[rt]);
        return true;
    }
    const SysregAccess a = sysreg_decode(iss);
    switch (sysreg_kind(a)) {
    case SysregKind::sgi: break; // (above)
    case SysregKind::id:
        if (!a.read) break; // (read-only registers: an MSR is undefined)
        if (a.rt != 31) {
            const unsigned reg = a.crm * 8u + a.op2;
            v.ctx.regs.x[a.rt] = id_register_view(reg, g_id_regs[reg - idreg::FIRST], v.vm->cpu, pt::INPUT_BITS);
        }
        v.stalls = 0;
        v.ctx.regs.elr += 4;
        return true;
    case SysregKind::pmu:                 // the first PMU access: the counters become this vCPU's; retry it
        if (!pmu_claim(v.ctx.pmu)) break; // (a build without PMU lending: undefined)
        retry_after_claim(v);
        return true;
    case SysregKind::debug: // likewise the breakpoints, watchpoints and MDSCR_EL1
        if (!debug_claim(v.ctx.debug)) break;
        retry_after_claim(v);
        return true;
    case SysregKind::debug_lock: {
        const u64 value = debug_lock_access(v.ctx.debug, a, a.rt == 31 ? 0 : v.ctx.regs.x[a.rt]);
        if (a.read && a.rt != 31) v.ctx.regs.x[a.rt] = value;
        v.stalls = 0;
        v.ctx.regs.elr += 4;
        return true;
    }
    case SysregKind::unknown: break;
    }
    refuse_sysreg(v, a, iss);
    return true;
}

/// A data abort without a syndrome to decode (no ISV): false unless it hit
/// a device, which stops its VM (the access cannot be emulated).
[[gnu::noinline, gnu::cold]] bool on_undecodable_abort(Vcpu& v, Ipa ipa, u32 iss) {
    if ((iss & ISS_S1PTW) != 0 || !mmio_claims(*v.vm, ipa)) return false;
    char why[96];
    format_to(why, sizeof why, "MMIO access at IPA %#llx that cannot be decoded (no ISV; e.g. ldp/stp)",
              static_cast<unsigned long long>(ipa.raw()));
    vm_stop(*v.vm, StopReason::unhandled_trap, 0, why);
    return true;
}

/// A device refused the access (a register it does not have, a size it does
/// not take): its VM stops, saying which.
[[gnu::noinline, gnu::cold]] void stop_bad_access(Vcpu& v, Ipa ipa, unsigned size, bool write) {
    char why[96];
    format_to(why, sizeof why, "%u-byte %s at IPA %#llx is not a valid device access", size, write ? "write" : "read",
              static_cast<unsigned long long>(ipa.raw()));
    vm_stop(*v.vm, StopReason::unhandled_trap, 0, why);
}

/// A data abort, perhaps on an emulated device (its exit's progress noted
/// here: a retry counts towards a stall, a step on clears it): decode the access from the
/// syndrome (ISV: size, direction, register, sign extension) and let the
/// device model there answer — one lookup. False if no device is there, the
/// access is not aligned to its size, or it was a stage-1 table walk (never
/// a device access: ISS.S1PTW, whose aborts have no ISV): the caller deals
/// with it.
/// on_mmio() for an access a device model answers (out of line: the
/// constant reads stay without a stack frame).
[[gnu::noinline]] bool on_device_access(Vcpu& v, Ipa ipa, u64 esr, MmioAccess a) {
    const MmioResult r = mmio_access(v, ipa, a);
    if (r == MmioResult::no_device || r == MmioResult::misaligned) return false; // (an external abort: a bus error)
    if (r == MmioResult::retry) {
        // The same access again (the device takes its next share): not a
        // step on, so it counts towards a stall (progress.hpp).
        (void)note_stall(v, v.ctx.regs.elr, esr_class_name(esr_ec(esr)));
        return true;
    }
    if (r != MmioResult::done) {
        stop_bad_access(v, ipa, a.size, a.write);
        return true;
    }
    step_over(v, esr);
    v.stalls = 0; // (moved on)
    return true;
}

bool on_mmio(Vcpu& v, Ipa ipa, u64 esr) {
    const u32 iss = esr_iss(esr);
    const bool isv = (iss >> 24) & 1;
    if (!isv) return on_undecodable_abort(v, ipa, iss);
    const MmioAccess a{1u << ((iss >> 22) & 3), ((iss >> 6) & 1) != 0, (iss >> 16) & 0x1f, ((iss >> 21) & 1) != 0,
                       ((iss >> 15) & 1) != 0}; // SAS, WnR, SRT, SSE, SF
    u64 value = 0;
    if (!mmio_read_constant(ipa, a, value)) return on_device_access(v, ipa, esr, a);
    if (a.rt != 31) v.ctx.regs.x[a.rt] = mmio_loaded(a, value);
    step_over(v, esr);
    v.stalls = 0; // (moved on)
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
[[gnu::noinline]] void resample_waiting_timers(Vcpu& v) {
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

[[gnu::always_inline]] inline void resample_timers(Vcpu& v) {
    // Only a timer interrupt the model holds pending can be waiting: its
    // hint (VgicCpu::maybe) is set while it is.
    constexpr u32 TIMERS = 1u << VGIC_VTIMER_INTID | 1u << VGIC_PTIMER_INTID;
    if ((v.vgic.maybe & TIMERS) != 0) [[unlikely]]
        resample_waiting_timers(v);
}

/// A trap Tessera does not handle: its VM stops, saying which.
[[gnu::noinline, gnu::cold]] void stop_unhandled(Vcpu& v, u64 esr) {
    char why[96];
    format_to(why, sizeof why, "%s (EC %#x, ISS %#x) at PC %#llx", esr_class_name(esr_ec(esr)), esr_ec(esr),
              esr_iss(esr), static_cast<unsigned long long>(v.ctx.regs.elr));
    vm_stop(*v.vm, StopReason::unhandled_trap, 0, why);
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
        // Its first touch of that RAM, a walk's too (ram_fill.hpp).
        if (translation_fault(iss) && vm_fill_touched(*v.vm, ipa)) return;
        // A stage-1 walk that left its memory: for an AT a result in
        // PAR_EL1 (ISS.CM), otherwise an external abort (a walk reads).
        const bool walk = (iss & ISS_S1PTW) != 0;
        if (walk && (iss & ISS_CM) != 0 && at_walk_fault(v, esr)) return;
        on_guest_abort(v, ipa, far, v.ctx.regs.elr, false, (iss & ISS_WNR) != 0 && !walk);
        return;
    }
    case ec::iabt_lower: {
        const u64 far = far_el2::read();
        const Ipa ipa((hpfar_el2::read() >> 4) << 12 | (far & 0xfff));
        if (translation_fault(iss) && vm_fill_touched(*v.vm, ipa)) return;
        on_guest_abort(v, ipa, far, v.ctx.regs.elr, true, false);
        return;
    }
    default: stop_unhandled(v, esr); return;
    }
}

/// tessera_resume() for a vCPU whose VM's vGIC changed: its list registers
/// are filled again first. (Out of line: the common resume stays a leaf.)
[[gnu::noinline]] GuestRegs* load_lrs_and_resume(Vcpu& v) {
    vgic_load_lrs(v);
    return &v.ctx.regs;
}

/// An FIQ or SError from the guest (Tessera routes neither to it): its VM stops.
[[gnu::noinline, gnu::cold]] void stop_on_fiq_or_serror(Vcpu& v, u64 kind) {
    char why[64];
    format_to(why, sizeof why, "%s from the guest", kind == EXIT_FIQ ? "FIQ" : "SError");
    vm_stop(*v.vm, StopReason::fault, 0, why);
}

void on_sync(Vcpu& v) {
    const u64 esr = esr_el2::read();
    // A call that arrived with list registers in use (entry.S takes the rest
    // the short way). ELR already points past the hvc: a loop of calls is
    // progress, not a stall.
    if (esr_ec(esr) == ec::hvc64) {
        handle_hypercall(v);
        return;
    }
    const u64 pc = v.ctx.regs.elr;
    dispatch_sync(v, esr);
    // (A device access or a system register's notes its own progress; an
    // injected abort moves the vCPU on.)
    if (esr_ec(esr) == ec::dabt_lower || esr_ec(esr) == ec::sysreg) return;
    // An exit that keeps the vCPU on the same instruction, again and again,
    // stops its VM with the reason: never a silent loop.
    (void)note_progress(v, pc, [esr] { return esr_class_name(esr_ec(esr)); });
}

} // namespace

} // namespace tessera::arch

using namespace tessera;

/// Called by entry.S after a guest's registers are saved: handles its exit.
/// entry.S then resumes the guest (tessera_resume) or has the core decide.
extern "C" void tessera_guest_exit(PerCore* core, u64 kind) {
    Vcpu& v = *relaxed_peek(core->current); // (this core wrote it)
    arch::vgic_sync_lrs_on_exit(v);
    arch::resample_timers(v);
    if (kind == EXIT_SYNC) [[likely]] {
        arch::on_sync(v);
    } else if (kind == EXIT_IRQ) { // (entry.S takes them the short way: tessera_irq_exit)
        arch::handle_core_interrupts(*core);
    } else {
        arch::stop_on_fiq_or_serror(v, kind);
    }
}

static_assert(offsetof(Vcpu, ctx) == 0 && offsetof(arch::VcpuContext, regs) == 0,
              "entry.S: a vCPU's saved registers come first (PerCore::current_regs is the vCPU)");
static_assert(offsetof(Vcpu, lrs_used) == VCPU_LR_STATE && offsetof(Vcpu, lr_underflow) == VCPU_LR_STATE + 1,
              "entry.S reads a vCPU's list-register state (lrs_used, lr_underflow) as one halfword");

/// Called by entry.S last on every exit, once it is handled: the registers
/// to resume `core`'s current vCPU with when no scheduling decision follows
/// (sched.hpp, may_resume), its list registers brought up to date; else
/// nullptr, and entry.S has the core decide.
/// On a call's exit only x0-x18 and x30 are saved by then (entry.S). (A
/// leaf: no stack frame.)
extern "C" arch::GuestRegs* tessera_resume(PerCore* core) {
    Vcpu* v = core->loaded; // (nullptr once something borrowed the FP registers: fp_borrow)
    if (v == nullptr || !may_resume(*core, *v)) return nullptr;
    // An interrupt new for it (another core's, or a maintenance interrupt's
    // write-back): its list registers are filled again, as on any entry.
    if (relaxed_peek(v->vm->vgic.generation) != relaxed_peek_word(v->vgic.quiet_at)) [[unlikely]]
        return arch::load_lrs_and_resume(*v);
    return &v->ctx.regs;
}

/// Called by entry.S when an exit needs a scheduling decision. Never returns.
extern "C" [[noreturn]] void tessera_schedule(PerCore* core) { schedule(*core); }

/// A short exit (entry.S: a call, or a device access) that needs a
/// scheduling decision, once every register is saved: what it put in list
/// registers (lr_place) goes back to the model, then the decision. Never returns.
extern "C" [[noreturn]] void tessera_short_exit_decide(PerCore* core) {
    if (Vcpu* v = relaxed_peek(core->current); v != nullptr) { // (nothing in a short exit lets go of it)
        arch::isb(); // (ICH_ELRSR_EL2 must see what the exit put in list registers)
        arch::vgic_sync_lrs_on_exit(*v);
        arch::resample_timers(*v);
    }
    schedule(*core);
}

/// Called by entry.S for an interrupt taken from a guest, with x0-x18 and
/// x30 saved: handling one never reads the guest's registers. Its own timer
/// firing again once the guest finished the last one goes straight back
/// into the list register that held it (vgic_inject_again); anything else
/// as on every exit: the list registers handed back first, then every
/// pending interrupt handled. entry.S then asks tessera_resume.
extern "C" void tessera_irq_exit(PerCore* core) {
    Vcpu& v = *relaxed_peek(core->current); // (this core wrote it)
    const u32 intid = arch::gic_ack();
    constexpr u32 TIMERS = 1u << VGIC_VTIMER_INTID | 1u << VGIC_PTIMER_INTID; // (VgicCpu::maybe: resample_timers)
    if ((intid == VGIC_VTIMER_INTID || intid == VGIC_PTIMER_INTID) && core->loaded == &v &&
        relaxed_peek(v.state) == VcpuState::runnable && (v.vgic.maybe & TIMERS) == 0 && vgic_inject_again(v, intid)) {
        arch::gic_end(intid); // (priority drop: the guest's end deactivates it, HW)
        return;
    }
    arch::vgic_sync_lrs_on_exit(v);
    arch::resample_timers(v);
    if (intid < 1020) arch::handle_core_interrupt(*core, intid);
    arch::handle_core_interrupts(*core);
}

namespace {

/// tessera_trap_exit() for a device access once the list registers went
/// back to the model and the timers were resampled, as every full exit does
/// first: the device models read and write the model's state.
[[gnu::noinline]] bool sync_then_emulate(Vcpu& v, Ipa ipa, u64 esr) {
    arch::vgic_sync_lrs_on_exit(v);
    arch::resample_timers(v);
    return arch::on_mmio(v, ipa, esr);
}

/// tessera_trap_exit() for a system register access while a timer
/// interrupt of the model may wait to be withdrawn. (Only an SGI reaches the
/// vGIC model, and that copes with list registers still the guest's, as
/// another core's interrupt for it does: they are not handed back.)
[[gnu::noinline]] bool resample_then_sysreg(Vcpu& v, u32 iss) {
    arch::resample_waiting_timers(v);
    return arch::on_sysreg_trap(v, iss);
}

} // namespace

/// Called by entry.S for a data abort or a system register access (MSR,
/// MRS), with x0-x18, x30, ELR and SPSR saved. A device access whose
/// syndrome says it all (ISV) and that an emulated device answers, or a
/// system register access, whose general register is among those saved,
/// is emulated here: true (entry.S then asks tessera_resume). False for
/// anything else, left as it was for the full path. (Its hand-overs are
/// tail calls: no frame here.)
extern "C" bool tessera_trap_exit(PerCore* core) {
    Vcpu& v = *relaxed_peek(core->current); // (this core wrote it)
    const u64 esr = arch::esr_el2::read();
    const u32 iss = arch::esr_iss(esr);
    constexpr u32 TIMERS = 1u << VGIC_VTIMER_INTID | 1u << VGIC_PTIMER_INTID; // (VgicCpu::maybe: resample_timers)
    if (arch::esr_ec(esr) == arch::ec::sysreg) {
        const unsigned rt = iss >> 5 & 0x1f;
        if (rt >= 19 && rt <= 29) return false;
        if ((v.vgic.maybe & TIMERS) != 0) [[unlikely]]
            return resample_then_sysreg(v, iss);
        return arch::on_sysreg_trap(v, iss);
    }
    const unsigned rt = iss >> 16 & 0x1f;
    if ((iss >> 24 & 1) == 0 || (rt >= 19 && rt <= 29)) return false;
    const u64 far = arch::far_el2::read();
    const Ipa ipa((arch::hpfar_el2::read() >> 4) << 12 | (far & 0xfff));
    if (v.lrs_used != 0 || v.lr_underflow || (v.vgic.maybe & TIMERS) != 0) [[unlikely]]
        return sync_then_emulate(v, ipa, esr);
    return arch::on_mmio(v, ipa, esr);
}

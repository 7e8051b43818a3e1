// vcpu.cpp (aarch64) — resetting, switching, entering vCPUs and injecting exceptions into them.
#include "arch.hpp"
#include "gicv3.hpp"
#include "id_regs.hpp"
#include "sched.hpp"
#include "string.hpp"
#include "sysreg.hpp"
#include "vdebug.hpp"
#include "vgic_lr.hpp"
#include "vpmu.hpp"
#include "vsve.hpp"

namespace tessera::arch {

namespace {

constexpr u64 SPSR_EL1H_MASKED = 0x3c5;     // EL1h, D A I F masked
constexpr u64 SCTLR_EL1_RESET = 0x30d00800; // RES1 bits; MMU, caches off
constexpr u64 MPIDR_RES1 = 1ull << 31;
constexpr u32 GUEST_TIMERS[] = {VGIC_VTIMER_INTID, VGIC_PTIMER_INTID};

/// ICH_AP0R<n>/AP1R<n> registers this core has: 1, 2 or 4 for 5, 6 or 7
/// preemption bits (ICH_VTR_EL2.PREbits + 1). Read once; all cores alike.
unsigned active_priority_regs() {
    static constinit unsigned count = 0;
    if (count == 0) {
        const unsigned pre_bits = static_cast<unsigned>((ich_vtr_el2::read() >> 26) & 7) + 1;
        count = pre_bits >= 7 ? 4 : (pre_bits == 6 ? 2 : 1);
    }
    return count;
}

void save_el1(El1Regs& r) {
    r.sctlr = sctlr_el1::read();
    r.ttbr0 = ttbr0_el1::read();
    r.ttbr1 = ttbr1_el1::read();
    r.tcr = tcr_el1::read();
    r.mair = mair_el1::read();
    r.amair = amair_el1::read();
    r.vbar = vbar_el1::read();
    r.contextidr = contextidr_el1::read();
    r.tpidr_el0 = tpidr_el0::read();
    r.tpidr_el1 = tpidr_el1::read();
    r.tpidrro_el0 = tpidrro_el0::read();
    r.sp_el1 = sp_el1::read();
    r.elr_el1 = elr_el1::read();
    r.spsr_el1 = spsr_el1::read();
    r.esr = esr_el1::read();
    r.far = far_el1::read();
    r.afsr0 = afsr0_el1::read();
    r.afsr1 = afsr1_el1::read();
    r.par = par_el1::read();
    r.cpacr = cpacr_el1::read();
    r.cntkctl = cntkctl_el1::read();
    r.csselr = csselr_el1::read();
    r.cntv_ctl = cntv_ctl_el0::read();
    r.cntv_cval = cntv_cval_el0::read();
    r.cntp_ctl = cntp_ctl_el0::read();
    r.cntp_cval = cntp_cval_el0::read();
    r.ich_vmcr = ich_vmcr_el2::read();
    // Both groups' active priorities are the vCPU's own: one left behind
    // (a guest writing ICC_AP0R0_EL1 and leaving) would mask every virtual
    // interrupt of the next vCPU on this core.
    const unsigned ap = active_priority_regs();
    r.ich_ap0r[0] = ich_ap0r0_el2::read();
    r.ich_ap1r[0] = ich_ap1r0_el2::read();
    if (ap > 1) {
        r.ich_ap0r[1] = ich_ap0r1_el2::read();
        r.ich_ap1r[1] = ich_ap1r1_el2::read();
    }
    if (ap > 2) {
        r.ich_ap0r[2] = ich_ap0r2_el2::read();
        r.ich_ap0r[3] = ich_ap0r3_el2::read();
        r.ich_ap1r[2] = ich_ap1r2_el2::read();
        r.ich_ap1r[3] = ich_ap1r3_el2::read();
    }
    // Silence the timers of a vCPU that is not on its core.
    cntv_ctl_el0::write(0);
    cntp_ctl_el0::write(0);
}

void load_el1(const El1Regs& r) {
    sctlr_el1::write(r.sctlr);
    ttbr0_el1::write(r.ttbr0);
    ttbr1_el1::write(r.ttbr1);
    tcr_el1::write(r.tcr);
    mair_el1::write(r.mair);
    amair_el1::write(r.amair);
    vbar_el1::write(r.vbar);
    contextidr_el1::write(r.contextidr);
    tpidr_el0::write(r.tpidr_el0);
    tpidr_el1::write(r.tpidr_el1);
    tpidrro_el0::write(r.tpidrro_el0);
    sp_el1::write(r.sp_el1);
    elr_el1::write(r.elr_el1);
    spsr_el1::write(r.spsr_el1);
    esr_el1::write(r.esr);
    far_el1::write(r.far);
    afsr0_el1::write(r.afsr0);
    afsr1_el1::write(r.afsr1);
    par_el1::write(r.par);
    cpacr_el1::write(r.cpacr);
    cntkctl_el1::write(r.cntkctl);
    csselr_el1::write(r.csselr);
    cntv_cval_el0::write(r.cntv_cval);
    cntv_ctl_el0::write(r.cntv_ctl);
    cntp_cval_el0::write(r.cntp_cval);
    cntp_ctl_el0::write(r.cntp_ctl);
    vmpidr_el2::write(r.vmpidr);
    ich_vmcr_el2::write(r.ich_vmcr);
    const unsigned ap = active_priority_regs();
    ich_ap0r0_el2::write(r.ich_ap0r[0]);
    ich_ap1r0_el2::write(r.ich_ap1r[0]);
    if (ap > 1) {
        ich_ap0r1_el2::write(r.ich_ap0r[1]);
        ich_ap1r1_el2::write(r.ich_ap1r[1]);
    }
    if (ap > 2) {
        ich_ap0r2_el2::write(r.ich_ap0r[2]);
        ich_ap0r3_el2::write(r.ich_ap0r[3]);
        ich_ap1r2_el2::write(r.ich_ap1r[2]);
        ich_ap1r3_el2::write(r.ich_ap1r[3]);
    }
}

void save_pauth(PauthKeys& k) {
    k.key[0] = apiakeylo_el1::read();
    k.key[1] = apiakeyhi_el1::read();
    k.key[2] = apibkeylo_el1::read();
    k.key[3] = apibkeyhi_el1::read();
    k.key[4] = apdakeylo_el1::read();
    k.key[5] = apdakeyhi_el1::read();
    k.key[6] = apdbkeylo_el1::read();
    k.key[7] = apdbkeyhi_el1::read();
    k.key[8] = apgakeylo_el1::read();
    k.key[9] = apgakeyhi_el1::read();
}

void load_pauth(const PauthKeys& k) {
    apiakeylo_el1::write(k.key[0]);
    apiakeyhi_el1::write(k.key[1]);
    apibkeylo_el1::write(k.key[2]);
    apibkeyhi_el1::write(k.key[3]);
    apdakeylo_el1::write(k.key[4]);
    apdakeyhi_el1::write(k.key[5]);
    apdbkeylo_el1::write(k.key[6]);
    apdbkeyhi_el1::write(k.key[7]);
    apgakeylo_el1::write(k.key[8]);
    apgakeyhi_el1::write(k.key[9]);
}

void save_mte(MteRegs& m) {
    // Asynchronous tag-check faults of the outgoing vCPU land in its TFSR
    // before it is read, not in the next vCPU's.
    asm volatile("dsb nsh; isb" ::: "memory");
    m.tfsr = tfsr_el1::read();
    m.tfsre0 = tfsre0_el1::read();
    m.gcr = gcr_el1::read();
    m.rgsr = rgsr_el1::read();
}

void load_mte(const MteRegs& m) {
    tfsr_el1::write(m.tfsr);
    tfsre0_el1::write(m.tfsre0);
    gcr_el1::write(m.gcr);
    rgsr_el1::write(m.rgsr);
}

u64 vector_offset(u64 spsr) {
    const u64 mode = spsr & 0x1f;
    if (mode == 0x05) return 0x200;       // EL1h: current EL, SP_EL1
    if (mode == 0x04) return 0x000;       // EL1t: current EL, SP_EL0
    return (spsr & 0x10) ? 0x600 : 0x400; // EL0: lower EL, AArch32 or AArch64
}

bool from_el0(u64 spsr) { return (spsr & 0xf) == 0 || (spsr & 0x10); }

/// Enters EL1 at the vector for a synchronous exception with syndrome `esr`.
u64 take_sync_exception(Vcpu& v, u64 esr) {
    GuestRegs& g = v.ctx.regs;
    const u64 target = vbar_el1::read() + vector_offset(g.spsr);
    esr_el1::write(esr);
    elr_el1::write(g.elr);
    spsr_el1::write(g.spsr);
    g.elr = target;
    g.spsr = SPSR_EL1H_MASKED;
    return target;
}

/// Saves the state of the vCPU loaded on `core` into its context and leaves
/// the core with none loaded: the next vCPU to run there is loaded whole.
void unload(PerCore& core) {
    Vcpu* prev = core.loaded;
    if (prev == nullptr) return;
    lrs_drain(core); // (what lr_place() put there is its, not the next vCPU's)
    // A vCPU that was reset meanwhile keeps its fresh state.
    if (!prev->reload.load(std::memory_order_acquire)) {
        save_el1(prev->ctx.el1);
        if (g_pauth) save_pauth(prev->ctx.pauth);
        if (prev->vm->cpu.mte) save_mte(prev->ctx.mte);
        vector_save(*prev);
        if (prev->ctx.pmu.owned) pmu_save(prev->ctx.pmu);
        if (prev->ctx.debug.owned) debug_save(prev->ctx.debug);
    }
    // Its forwarded timer interrupts stay pending or active in its vGIC
    // state; the physical ones must not block the next vCPU's.
    for (const u32 timer : GUEST_TIMERS) {
        if (prev->vgic.priv[timer].hw) gic_clear_active_private(core.mpidr, timer);
    }
    core.loaded = nullptr;
}

} // namespace

void vcpu_reset(Vcpu& v, Ipa entry, u64 x0) {
    v.ctx = VcpuContext{};
    v.ctx.regs.x[0] = x0;
    v.ctx.regs.elr = entry.raw();
    v.ctx.regs.spsr = SPSR_EL1H_MASKED;
    v.ctx.el1.sctlr = SCTLR_EL1_RESET;
    v.ctx.debug.os_lock = true; // (locked at reset, as on the hardware)
    v.ctx.el1.vmpidr = MPIDR_RES1 | ((v.index >> 8) & 0xffull) << 8 | (v.index & 0xffull);
    v.abort_vector = 0;
    v.reload.store(true, std::memory_order_release);
}

void fp_borrow() { unload(*reinterpret_cast<PerCore*>(tpidr_el2::read())); }

void run_vcpu(PerCore& core, Vcpu& v) {
    if (core.loaded != &v || v.reload.load(std::memory_order_acquire)) {
        Vcpu* prev = core.loaded;
        if (prev != &v) unload(core);
        v.reload.store(false, std::memory_order_relaxed); // (its own core, loading it)
        load_el1(v.ctx.el1);
        // A guest's keys never sign or check another's pointers.
        if (g_pauth) load_pauth(v.ctx.pauth);
        // (A VM without MTE cannot reach these: HCR_EL2.ATA traps them.)
        if (v.vm->cpu.mte) load_mte(v.ctx.mte);
        vector_load(v);
        pmu_load(v.ctx.pmu);
        debug_load(v.ctx.debug);
        mdcr_el2::write(pmu_mdcr(v.ctx.pmu) | debug_mdcr(v.ctx.debug));
        for (const u32 timer : GUEST_TIMERS) {
            if (prev != &v && v.vgic.priv[timer].hw) gic_set_active_private(core.mpidr, timer);
        }
        Vm& vm = *v.vm;
        vttbr_el2::write(vm.stage2.root().raw() | static_cast<u64>(vm.vmid) << 48);
        // A vCPU alone on its core sleeps in WFI on the hardware; where vCPUs
        // share a core, WFI blocks it and WFE gives way (HCR_EL2.TWI, TWE).
        // Tags and the MTE registers only for a VM with MTE (HCR_EL2.ATA).
        constexpr u64 HCR_TWI = 1ull << 13, HCR_TWE = 1ull << 14, HCR_ATA = 1ull << 56;
        u64 hcr = hcr_el2::read() & ~(HCR_TWI | HCR_TWE | HCR_ATA);
        if (core.assigned > 1) hcr |= HCR_TWI | HCR_TWE;
        if (vm.cpu.mte) hcr |= HCR_ATA;
        hcr_el2::write(hcr);
        isb();
        core.loaded = &v;
    }
    core.current_regs = &v.ctx.regs;
    vgic_sync_lrs_on_entry(v);
    arch_enter_guest(&v.ctx.regs, core.stack_top);
}

u64 inject_external_abort(Vcpu& v, u64 far, bool instruction, bool write) {
    const bool el0 = from_el0(v.ctx.regs.spsr);
    const u64 ec = instruction ? (el0 ? 0x20 : 0x21) : (el0 ? 0x24 : 0x25);
    const u64 fsc_sea = 0x10; // synchronous external abort, not on a table walk
    const u64 wnr = (!instruction && write) ? (1ull << 6) : 0;
    far_el1::write(far);
    return take_sync_exception(v, ec << 26 | 1ull << 25 | wnr | fsc_sea);
}

void vm_release_hw(Vm& vm) {
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
        const PerCore& core = g_cores[vm.vcpus[i].core];
        // Only if the timers in that core's hardware are this VM's.
        if (core.loaded != &vm.vcpus[i]) continue;
        for (const u32 timer : GUEST_TIMERS) gic_clear_active_private(core.mpidr, timer);
    }
}

void stage2_unmapped() {
    // Every VMID, every core (inner shareable): a failover is rare, and the
    // unmapped VM's vCPUs are off their cores already.
    asm volatile("dsb ishst\n\ttlbi alle1is\n\tdsb ish\n\tisb" ::: "memory");
}

void stage2_forget(const Vm& vm) {
    // TLBI VMALLS12E1IS acts on the VMID in VTTBR_EL2: this VM's for the
    // moment, then the core's own again (its vCPU, if any, is between
    // exits: no EL1 translation runs meanwhile). As KVM does.
    const u64 was = vttbr_el2::read();
    asm volatile("dsb ishst" ::: "memory"); // (the unmapped entries, before the walkers forget)
    vttbr_el2::write(vm.stage2.root().raw() | static_cast<u64>(vm.vmid) << 48);
    isb();
    asm volatile("tlbi vmalls12e1is\n\tdsb ish" ::: "memory");
    vttbr_el2::write(was);
    isb();
}

unsigned this_core() { return reinterpret_cast<const PerCore*>(tpidr_el2::read())->index; }

void inject_undefined(Vcpu& v) { take_sync_exception(v, 1ull << 25); }

} // namespace tessera::arch

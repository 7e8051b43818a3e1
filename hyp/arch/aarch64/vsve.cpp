// vsve.cpp (aarch64) — SVE for the VMs whose system file gives it, switched only for vCPUs that use it.
//
// A vCPU starts with SVE trapped (CPTR_EL2.TZ): until its first SVE
// instruction, only its FP/SIMD registers are switched, so VMs and vCPUs that
// never use SVE pay nothing for it. The first one makes its SVE registers
// live at the VM's vector length (ZCR_EL2 caps what the guest can set in
// ZCR_EL1) and from then on the whole SVE state travels with it. Another
// vCPU loaded after it cannot see what it left: FP/SIMD loads zero the
// upper bits of every Z register, and P, FFR and ZCR_EL1 are reachable only
// through SVE, which traps until that vCPU's own state is loaded.
#include "vsve.hpp"

#include "arch.hpp"
#include "cpu_features.hpp"
#include "id_regs.hpp"
#include "string.hpp"
#include "sysreg.hpp"

extern "C" void fpsimd_save(tessera::arch::FpRegs* regs);
extern "C" void fpsimd_load(const tessera::arch::FpRegs* regs);
extern "C" void sve_save(tessera::u8* area, tessera::arch::FpRegs* fp);
extern "C" void sve_load(const tessera::u8* area, const tessera::arch::FpRegs* fp);

namespace tessera::arch {

namespace {

constexpr u64 CPTR_TZ = 1ull << 8; // cleared: SVE runs untrapped

/// Makes the core run SVE at `v`'s VM vector length.
void sve_enable(const Vcpu& v) {
    cptr_el2::write(g_cptr_guest & ~CPTR_TZ);
    isb();
    zcr_el2::write(v.vm->sve_vq - 1u);
    isb();
}

} // namespace

void sve_first_use(Vcpu& v) {
    if (v.sve_state == nullptr) {
        inject_undefined(v);
        return;
    }
    // Its FP/SIMD values become the low 128 bits of Z0–Z31; everything else
    // starts at zero, as after a reset.
    fpsimd_save(&v.ctx.fp);
    const u64 vl = u64{v.vm->sve_vq} * 16;
    memset(v.sve_state, 0, sve_state_bytes(v.vm->sve_vq));
    for (u64 i = 0; i < 32; ++i) memcpy(v.sve_state + i * vl, &v.ctx.fp.q[2 * i], 16);
    sve_enable(v);
    zcr_el1::write(v.vm->sve_vq - 1u);
    sve_load(v.sve_state, &v.ctx.fp);
    v.ctx.sve_live = true;
}

void vector_save(Vcpu& v) {
    if (v.ctx.sve_live) {
        v.ctx.zcr_el1 = zcr_el1::read();
        sve_save(v.sve_state, &v.ctx.fp);
    } else {
        fpsimd_save(&v.ctx.fp);
    }
}

void vector_load(Vcpu& v) {
    if (v.ctx.sve_live) {
        sve_enable(v);
        zcr_el1::write(v.ctx.zcr_el1);
        sve_load(v.sve_state, &v.ctx.fp);
        return;
    }
    if (cptr_el2::read() != g_cptr_guest) { // (a vCPU with live SVE ran here last)
        cptr_el2::write(g_cptr_guest);
        isb();
    }
    fpsimd_load(&v.ctx.fp);
}

} // namespace tessera::arch

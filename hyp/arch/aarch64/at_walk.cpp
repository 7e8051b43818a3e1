// at_walk.cpp (aarch64) — an AT instruction whose stage-1 walk left the VM's memory: answered in PAR_EL1.
#include "at_walk.hpp"

#include "guest_walk.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

namespace {

/// The instruction at the guest's PC, read through its own stage-1 tables
/// (its EL1 registers are live: it is loaded) walked in software through its
/// RAM: false if that fails. (Not an AT at EL2: another vCPU may have moved
/// a table meanwhile to where a walk takes an external abort, at EL2.)
bool guest_instruction(Vcpu& v, u32& insn) {
    const u64 pc = v.ctx.regs.elr;
    const Stage1Regs regs{sctlr_el1::read(), tcr_el1::read(), ttbr0_el1::read(), ttbr1_el1::read()};
    u64 ipa = 0;
    Vm& vm = *v.vm;
    if (!guest_va_to_ipa(vm, regs, pc, ipa)) return false;
    const u8* p = vm_ram_at(vm, ipa, sizeof insn);
    if (p == nullptr) return false;
    insn = *reinterpret_cast<const u32*>(p);
    return true;
}

} // namespace

bool at_walk_fault(Vcpu& v, u64 esr) {
    u32 insn = 0;
    // SYS #op1, C7, C8 or C9, #op2, Xt: the AT instructions (the DC ones
    // are C7 with other CRm; TLBI is C8).
    if (!guest_instruction(v, insn) || (insn & 0xfff8'f000u) != 0xd508'7000u || ((insn >> 9) & 7) != 4) return false;
    constexpr u64 PAR_F = 1, PAR_PTW = 1ull << 8, PAR_S = 1ull << 9, PAR_RES1 = 1ull << 11;
    par_el1::write(PAR_F | (esr & 0x3f) << 1 | PAR_PTW | PAR_S | PAR_RES1);
    v.ctx.regs.elr += 4;
    return true;
}

} // namespace tessera::arch

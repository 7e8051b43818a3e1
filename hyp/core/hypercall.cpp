// hypercall.cpp — SMCCC dispatch of a guest's hvc/smc.
#include "hypercall.hpp"

#include "arch.hpp"
#include "hypercall_abi.hpp"
#include "measurement.hpp"
#include "sched.hpp"

namespace tessera {

constinit BootMeasurement g_boot_measurement;

namespace {

u64& reg(Vcpu& v, unsigned n) { return v.ctx.regs.x[n]; }

void ret(Vcpu& v, i64 value) { reg(v, 0) = static_cast<u64>(value); }

bool psci_known(u32 fid) {
    switch (fid) {
    case abi::PSCI_VERSION:
    case abi::PSCI_CPU_OFF:
    case abi::PSCI_CPU_ON:
    case abi::PSCI_CPU_ON + 0x4000'0000:
    case abi::PSCI_AFFINITY_INFO:
    case abi::PSCI_AFFINITY_INFO + 0x4000'0000:
    case abi::PSCI_MIGRATE_INFO_TYPE:
    case abi::PSCI_SYSTEM_OFF:
    case abi::PSCI_SYSTEM_RESET:
    case abi::PSCI_FEATURES: return true;
    default: return false;
    }
}

[[gnu::noinline]] void console_write(Vcpu& v) {
    const u64 len = reg(v, 1);
    if (len > abi::CONSOLE_WRITE_MAX) {
        ret(v, abi::PSCI_INVALID_PARAMETERS);
        return;
    }
    char bytes[abi::CONSOLE_WRITE_MAX];
    for (u64 i = 0; i < len; ++i) bytes[i] = static_cast<char>(reg(v, 2 + i / 8) >> (8 * (i % 8)));
    if (v.vm->state.load(std::memory_order_acquire) == VmState::running) {
        v.console.write_lines(v.vm->name(), bytes, len); // (nothing after its VM stopped)
    }
    ret(v, 0);
}

/// The vCPU of `vm` whose MPIDR affinity (Aff1.Aff0, as VMPIDR_EL2 gives it) is `mpidr`.
/// PSCI's target_cpu holds the affinity fields and nothing else: any bit
/// outside them (the U and MT bits, bits 63:40) names no CPU.
Vcpu* vcpu_by_mpidr(Vm& vm, u64 mpidr) {
    if ((mpidr & ~0xffffull) != 0) return nullptr; // (Aff2 and Aff3 are 0 for every vCPU)
    const u64 index = ((mpidr >> 8) & 0xff) * 256 + (mpidr & 0xff);
    return index < vm.desc->vcpu_count ? &vm.vcpus[index] : nullptr;
}

/// Whether `v` is on in PSCI's sense: starting, running, ready, or asleep in WFI.
bool is_on(const Vcpu& v) {
    const VcpuState s = v.state.load(std::memory_order_acquire);
    return s == VcpuState::starting || s == VcpuState::runnable || s == VcpuState::blocked;
}

/// PSCI CPU_ON: start a vCPU of the caller's VM at `entry` with x0 = `context`.
i64 cpu_on(Vcpu& v, u64 mpidr, u64 entry, u64 context) {
    Vcpu* t = vcpu_by_mpidr(*v.vm, mpidr);
    if (t == nullptr || !v.vm->ram.contains(Ipa(entry))) return abi::PSCI_INVALID_PARAMETERS;
    // Claim the vCPU first: of two concurrent calls exactly one wins, and
    // only the winner writes its registers. No core runs a `starting` vCPU
    // (not even the one it last ran on), so none sees them half written.
    VcpuState expected = VcpuState::off;
    if (!t->state.compare_exchange_strong(expected, VcpuState::starting, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
        return expected == VcpuState::starting ? abi::PSCI_ON_PENDING : abi::PSCI_ALREADY_ON;
    }
    // A vCPU that has just turned itself off may still be leaving its core:
    // a call's exit saves the last of its registers after the call took
    // effect (entry.S). They are rewritten only once it is gone.
    if (!vcpu_wait_off_core(*t, v)) {
        t->state.store(VcpuState::off, std::memory_order_release);
        return abi::PSCI_INTERNAL_FAILURE;
    }
    arch::vcpu_reset(*t, Ipa(entry), context);
    // Its VM may have been stopped or restarted meanwhile (its vCPUs set
    // stopped or off): then it stays so, and the caller hears no.
    expected = VcpuState::starting;
    if (!t->state.compare_exchange_strong(expected, VcpuState::runnable, std::memory_order_acq_rel,
                                          std::memory_order_acquire))
        return abi::PSCI_DENIED;
    core_enqueue(*t);
    return abi::PSCI_SUCCESS;
}

i64 affinity_info(Vcpu& v, u64 mpidr, u64 level) {
    Vcpu* t = vcpu_by_mpidr(*v.vm, mpidr);
    if (t == nullptr || level != 0) return abi::PSCI_INVALID_PARAMETERS;
    if (t->state.load(std::memory_order_acquire) == VcpuState::starting) return abi::PSCI_AFFINITY_ON_PENDING;
    return is_on(*t) ? abi::PSCI_AFFINITY_ON : abi::PSCI_AFFINITY_OFF;
}

/// PSCI CPU_OFF: the caller stops; its VM ends only when no vCPU is on (one
/// asleep in WFI is on: it wakes on its interrupt or timer).
[[gnu::noinline]] void cpu_off(Vcpu& v) {
    v.state.store(VcpuState::off, std::memory_order_release);
    Vm& vm = *v.vm;
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
        if (is_on(vm.vcpus[i])) return;
    }
    vm_stop(vm, StopReason::last_cpu_off, 0, "");
}

/// SYSTEM_OFF and SYSTEM_RESET never return: a caller whose call lost the
/// race to another vCPU's (its VM is restarting or has ended already) stops
/// here, rather than run on until that call's stop reaches its core.
void never_returns(Vcpu& v) {
    if (v.vm->state.load(std::memory_order_acquire) != VmState::running)
        v.state.store(VcpuState::stopped, std::memory_order_release);
}

/// TESSERA_MEASUREMENT: what the secured boot verified (measurement.hpp).
[[gnu::noinline]] void measurement(Vcpu& v, u64 which) {
    const BootMeasurement& m = g_boot_measurement;
    if (!m.present) {
        ret(v, abi::SMCCC_NOT_SUPPORTED);
        return;
    }
    auto digest = [&](const u8* d) {
        for (unsigned w = 0; w < 4; ++w) {
            u64 word = 0;
            for (unsigned b = 0; b < 8; ++b) word |= u64{d[8 * w + b]} << (8 * b);
            reg(v, 1 + w) = word;
        }
    };
    if (which == abi::MEASUREMENT_SUMMARY) {
        ret(v, 0);
        digest(m.manifest_digest);
        reg(v, 5) = m.security_version;
        reg(v, 6) = m.part_count;
        reg(v, 7) = m.anchored ? 1 : 0;
        return;
    }
    if (which >= m.part_count) {
        ret(v, abi::PSCI_INVALID_PARAMETERS);
        return;
    }
    const u8* p = m.parts + u64{48} * which; // a ManifestPart: offset, size, SHA-256
    u64 offset = 0, size = 0;
    for (unsigned b = 0; b < 8; ++b) {
        offset |= u64{p[b]} << (8 * b);
        size |= u64{p[8 + b]} << (8 * b);
    }
    ret(v, 0);
    digest(p + 16);
    reg(v, 5) = offset;
    reg(v, 6) = size;
}

} // namespace

[[gnu::weak]] bool module_hypercall(Vcpu&, uint32_t) { return false; }

// The dispatch below answers the calls with constant or leaf answers
// (versions, features, VM_INFO) itself, and hands every other one to a
// function of its own, kept out of line: the hot path then needs no stack
// frame (each hand-over is a tail call), and a version query costs a couple
// of dozen instructions.
namespace {

/// A call no switch below knows: an optional module's, or not supported.
[[gnu::noinline]] void not_ours(Vcpu& v, u32 fid, bool optional) {
    if ((optional && optional_hypercall(v, fid)) || module_hypercall(v, fid)) return;
    ret(v, abi::SMCCC_NOT_SUPPORTED);
}

[[gnu::noinline]] void psci_cpu_on(Vcpu& v) { ret(v, cpu_on(v, reg(v, 1), reg(v, 2), reg(v, 3))); }

[[gnu::noinline]] void psci_affinity_info(Vcpu& v) { ret(v, affinity_info(v, reg(v, 1), reg(v, 2))); }

[[gnu::noinline]] void system_off(Vcpu& v) {
    vm_stop(*v.vm, StopReason::poweroff, 0, "");
    never_returns(v);
}

[[gnu::noinline]] void system_reset(Vcpu& v) {
    vm_reset(*v.vm);
    never_returns(v);
}

[[gnu::noinline]] void vm_exit(Vcpu& v) { vm_stop(*v.vm, StopReason::exit_code, reg(v, 1), ""); }

[[gnu::noinline]] void memory_private(Vcpu& v) {
    u64 audited = 0;
    const bool alone = vm_memory_private(*v.vm, audited);
    ret(v, 0);
    reg(v, 1) = alone ? 1 : 0;
    reg(v, 2) = audited;
}

/// PSCI (and the TRNG calls in its range): `psci` as a 32-bit ID, `fid` as called.
[[gnu::always_inline]] inline void psci_call(Vcpu& v, u32 psci, u32 fid) {
    switch (psci & 0xff) {                                  // (dense: a jump table)
    case abi::PSCI_VERSION & 0xff: ret(v, 0x10001); return; // 1.1
    case abi::PSCI_FEATURES & 0xff:
        ret(v, psci_known(static_cast<u32>(reg(v, 1))) ? 0 : abi::PSCI_NOT_SUPPORTED);
        return;
    case abi::PSCI_CPU_OFF & 0xff: cpu_off(v); return;
    case abi::PSCI_CPU_ON & 0xff: psci_cpu_on(v); return;
    case abi::PSCI_AFFINITY_INFO & 0xff: psci_affinity_info(v); return;
    case abi::PSCI_MIGRATE_INFO_TYPE & 0xff: ret(v, abi::PSCI_TOS_NOT_PRESENT); return;
    case abi::PSCI_SYSTEM_OFF & 0xff: system_off(v); return;
    case abi::PSCI_SYSTEM_RESET & 0xff: system_reset(v); return;
    default: not_ours(v, fid, true); return;
    }
}

/// Tessera's own calls (0xc600_00xx).
[[gnu::always_inline]] inline void tessera_call(Vcpu& v, u32 fid) {
    switch (fid & 0xff) { // (dense: a jump table)
    case abi::TESSERA_ABI_VERSION & 0xff: ret(v, (abi::ABI_MAJOR << 16) | abi::ABI_MINOR); return;
    case abi::TESSERA_CONSOLE_WRITE & 0xff: console_write(v); return;
    case abi::TESSERA_VM_EXIT & 0xff: vm_exit(v); return;
    case abi::TESSERA_VM_INFO & 0xff:
        ret(v, 0);
        reg(v, 1) = v.vm->id;
        reg(v, 2) = v.index;
        reg(v, 3) = v.vm->desc->vcpu_count;
        reg(v, 4) = v.vm->health.restarts; // (HA-aware guests: how often, and when last, it failed)
        reg(v, 5) = v.vm->health.failed_at;
        return;
    case abi::TESSERA_MEMORY_PRIVATE & 0xff: memory_private(v); return;
    case abi::TESSERA_MEASUREMENT & 0xff: measurement(v, reg(v, 1)); return;
    default: not_ours(v, fid, true); return;
    }
}

/// Everything else: SMCCC's own calls, the vendor-hypervisor queries, a module's.
[[gnu::always_inline]] inline void other_call(Vcpu& v, u32 fid) {
    switch (fid) {
    case abi::SMCCC_VERSION: ret(v, 0x10001); return; // 1.1
    case abi::SMCCC_ARCH_FEATURES:
        ret(v, static_cast<u32>(reg(v, 1)) == abi::SMCCC_VERSION ? 0 : abi::SMCCC_NOT_SUPPORTED);
        return;
    case abi::VENDOR_HYP_CALL_UID:
        for (unsigned i = 0; i < 4; ++i) reg(v, i) = abi::TESSERA_UID[i];
        return;
    case abi::VENDOR_HYP_REVISION:
        reg(v, 0) = abi::ABI_MAJOR;
        reg(v, 1) = abi::ABI_MINOR;
        return;
    default: not_ours(v, fid, false); return;
    }
}

} // namespace

void handle_hypercall(Vcpu& v) {
    // SMCCC: the function ID is the low 32 bits of x0; bits 63:32 are ignored.
    const u32 fid = static_cast<u32>(reg(v, 0));
    // PSCI 64-bit variants behave like their 32-bit twins here.
    // (Bit 30 is SMC64: one masked compare finds both.)
    const u32 psci = fid & ~0x4000'0000u;
    // By owner and range first, then a dense switch within it: two compares
    // and a jump table, not a search through every ID.
    if ((psci >> 8) == (abi::PSCI_VERSION >> 8)) {
        psci_call(v, psci, fid);
    } else if ((fid & 0xffff'ff00) == abi::TESSERA_ABI_VERSION) {
        tessera_call(v, fid);
    } else {
        other_call(v, fid);
    }
}

} // namespace tessera

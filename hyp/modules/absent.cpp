// absent.cpp — what the minimal build links instead of its optional modules (hyp/CMakeLists.txt): the virtual
// PL011 and console input, PMU and debug-register lending, SVE, the SP805 watchdog, restarts and failover, channels
// and virtio, the entropy for guests' seeds and TRNG, and RAM scrubbed on first touch.
//
// Each entry point answers as a board without that part would: a device that is not there (an external abort), a
// register that does not exist (an undefined instruction), a call that is not supported. A packed description that
// asks for a part this build lacks is refused at boot, saying which (absent_boot.cpp).
#include "arch.hpp"
#include "boot_only.hpp"
#include "console_rx.hpp"
#include "entropy.hpp"
#include "failover.hpp"
#include "hypercall.hpp"
#include "pl011.hpp"
#include "ram_fill.hpp"
#include "vdebug.hpp"
#include "vm.hpp"
#include "vm_health.hpp"
#include "vpl011.hpp"
#include "vpmu.hpp"
#include "vsp805.hpp"
#include "vsve.hpp"

extern "C" void fpsimd_save(tessera::arch::FpRegs* regs);
extern "C" void fpsimd_load(const tessera::arch::FpRegs* regs);

namespace tessera {

// Their calls: not supported (the caller says so).
bool optional_hypercall(Vcpu&, u32) { return false; }

// Restarts and failover: a VM that fails, or asks to be reset, stays stopped.
RestartClaim vm_health_claim_restart(Vm&, char*, usize) { return RestartClaim::no; }
bool vm_restart_request(Vm& vm, const char*, bool) {
    vm_stop(vm, StopReason::reset_failed, 0, "the minimal build cannot restart a VM");
    return false;
}
void vm_health_changed(Vm&) {}
void vm_health_run(PerCore&) {}
void failover_partner_ended(Vm&) {}

// RAM scrubbed on first touch: every VM's is scrubbed whole before it runs
// (vm_load), so no fault is a first touch and there is nothing to fill.
TESSERA_BOOT_ONLY bool ram_fill_lent() { return false; }
bool vm_fill_touched(Vm&, Ipa) { return false; }
void vm_fill_range(Vm&, u64, u64) {}
void vm_unfill(Vm&) {}

// Entropy: guests get no seed and no TRNG (the hypercall says NOT_SUPPORTED).
bool entropy_seeded() { return false; }
void entropy_fill(u8*, usize) {}

// The virtual UART and the watchdog: not there (an access is an external abort).
void vpl011_reset(Vpl011&) {}
bool vpl011_access(Vcpu&, u64, unsigned, bool, u64&) { return false; }
void vsp805_reset(Vsp805&) {}
bool vsp805_access(Vcpu&, u64, unsigned, bool, u64&) { return false; }

// Console input: none; what arrives is read and dropped, so the UART's
// interrupt does not stay raised.
void on_console_rx() {
    char c = 0;
    while (pl011::getc(c)) {}
}

} // namespace tessera

namespace tessera::arch {

// The PMU and the debug registers: always trapped, never lent (the guest
// gets an undefined instruction, as on a core without them).
u64 pmu_mdcr(const PmuRegs&) {
    constexpr u64 MDCR_TPMCR = 1ull << 5, MDCR_TPM = 1ull << 6;
    return MDCR_TPM | MDCR_TPMCR;
}
bool pmu_claim(PmuRegs&) { return false; }
TESSERA_BOOT_ONLY bool pmu_lent() { return false; }
void pmu_save(PmuRegs&) {}
void pmu_load(const PmuRegs&) {}

u64 debug_mdcr(const DebugRegs&) {
    constexpr u64 MDCR_TDOSA = 1ull << 10, MDCR_TDA = 1ull << 9, MDCR_TDRA = 1ull << 11;
    return MDCR_TDA | MDCR_TDOSA | MDCR_TDRA;
}
bool debug_claim(DebugRegs&) { return false; }
u64 debug_lock_access(DebugRegs&, const SysregAccess&, u64) { return 0; }
void debug_save(DebugRegs&) {}
void debug_load(const DebugRegs&) {}

// SVE: hidden; only the FP/SIMD registers travel with a vCPU.
void sve_first_use(Vcpu& v) { inject_undefined(v); }
void vector_save(Vcpu& v) { fpsimd_save(&v.ctx.fp); }
void vector_load(Vcpu& v) { fpsimd_load(&v.ctx.fp); }

} // namespace tessera::arch

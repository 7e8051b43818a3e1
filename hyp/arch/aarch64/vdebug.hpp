// vdebug.hpp (aarch64) — the breakpoint, watchpoint and single-step registers, lent to the vCPU that uses them.
#pragma once

#include "sysreg_trap.hpp"
#include "types.hpp"
#include "vcpu_context.hpp"

namespace tessera::arch {

/// Reads how many breakpoints and watchpoints the core has (boot core, once):
/// guests get them, up to DEBUG_POINTS each.
void debug_init();

/// MDCR_EL2's debug bits for a vCPU: the OS lock, power-down and ROM-table
/// registers always trap; the others until the vCPU claims them.
u64 debug_mdcr(const DebugRegs& d);

/// Gives the debug registers to the loaded vCPU on its first access: they
/// start cleared (as after a reset), the trap is lifted, and the access is retried.
/// False in a build without debug-register lending (hyp/modules/absent.cpp).
[[nodiscard]] bool debug_claim(DebugRegs& d);

/// Emulates an access to OSLAR/OSLSR/OSDLR/DBGPRCR_EL1 or MDRAR_EL1; returns
/// the value a read gives.
u64 debug_lock_access(DebugRegs& d, const SysregAccess& a, u64 written);

/// Saves the debug registers of an owning vCPU that leaves its core and
/// turns debug events off (the next vCPU must not take its breakpoints).
void debug_save(DebugRegs& d);

/// Puts an owning vCPU's debug registers back on the core.
void debug_load(const DebugRegs& d);

} // namespace tessera::arch

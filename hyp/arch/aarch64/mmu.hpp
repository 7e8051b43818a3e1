// mmu.hpp (aarch64) — the hypervisor's own EL2 address space and the per-core virtualization setup.
#pragma once

#include "pgtable.hpp"

namespace tessera {
struct PerCore;
}

namespace tessera::arch {

/// Builds the EL2 identity map of the image with W^X permissions: code
/// read-only and executable, read-only data and the payload read-only, data,
/// bss and stacks writable, never executable.
Status el2_map_image(El2Table& table, PageAllocator& alloc);

/// Turns on this core's EL2 MMU and caches with `table` (WXN set: nothing
/// writable is ever executable). The boot core's; a secondary turns its own
/// on the same way in start.S, before it touches memory.
void el2_mmu_enable(const El2Table& table);

/// The end of this core's boot (it never returns): counted as past its boot
/// code, then, on core 0 once every core that came up is, the boot-only code
/// and read-only data are unmapped from `table` — touching them afterwards
/// faults — and only then does any core schedule its vCPUs (schedule()).
[[noreturn]] void leave_boot(PerCore& core, El2Table& table);

/// Per-core setup for running guests: HCR_EL2 traps, VTCR_EL2 for 39-bit
/// IPAs, timers, debug/PMU traps.
void virt_init_core();

} // namespace tessera::arch

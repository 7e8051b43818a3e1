// gicv3.hpp — the physical GICv3 as the hypervisor uses it: SGIs between cores.
#pragma once

#include "addr.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

/// Software-generated interrupts Tessera sends between its cores.
enum class Sgi : u32 {
    stop = 0, ///< panic: stop this core
    kick = 1, ///< reschedule: the current vCPU may have been stopped
};

/// Enables the distributor (boot core, once). `gicr` is the redistributor region.
void gic_init_distributor(PhysAddr gicd, PhysRange gicr);
/// Wakes this core's redistributor, enables our SGIs and the CPU interface.
/// Returns false if no redistributor matches this core's affinity.
bool gic_init_cpu(u64 mpidr);
/// Sends `sgi` to the core with affinity `mpidr`.
void gic_send_sgi(Sgi sgi, u64 mpidr);
/// Sends `sgi` to every core but this one.
void gic_send_sgi_others(Sgi sgi);
/// Acknowledges the highest-priority pending interrupt; returns its INTID
/// (1023 if none). Must be followed by gic_end() for real INTIDs. (Inline:
/// one register read on every interrupt's exit.)
inline u32 gic_ack() { return static_cast<u32>(icc_iar1_el1::read() & 0xffffff); }
/// Drops the running priority of `intid` (EOImode 1: it stays active).
inline void gic_end(u32 intid) { icc_eoir1_el1::write(intid); }
/// Deactivates `intid` on this core.
inline void gic_deactivate(u32 intid) { icc_dir_el1::write(intid); }
/// Deactivates private interrupt `intid` (SGI/PPI) of the core with affinity
/// `mpidr`, from any core (through that core's redistributor).
void gic_clear_active_private(u64 mpidr, u32 intid);
/// Enables SPI `intid` as group 1 and routes it to the core with affinity `mpidr`.
/// Makes private interrupt `intid` of core `mpidr` active (it cannot fire
/// until deactivated): a forwarded timer interrupt its vCPU still handles.
void gic_set_active_private(u64 mpidr, u32 intid);

void gic_enable_spi(u32 intid, u64 mpidr);
/// Routes SPI `intid` to the core with affinity `mpidr` (disabled while the route changes, then enabled).
void gic_route_spi(u32 intid, u64 mpidr);
/// Deactivates SPI `intid` from any core (GICD_ICACTIVER).
void gic_deactivate_spi(u32 intid);
/// True once the distributor is set up.
bool gic_ready();

} // namespace tessera::arch

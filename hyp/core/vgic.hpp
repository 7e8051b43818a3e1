// vgic.hpp — the virtual GICv3 model: distributor, redistributors and what goes into list registers.
//
// Guests see a standard arm,gic-v3: the distributor and redistributors are
// trapped MMIO emulated here; the CPU interface is the hardware's virtual one
// (ICV_* registers), fed through the list registers by the architecture code.
#pragma once

#include <atomic>

#include "spinlock.hpp"
#include "types.hpp"
#include "vplatform.hpp"

namespace tessera {

struct Vm;
struct Vcpu;

inline constexpr u32 VGIC_NR_SPIS = 64; ///< SPIs 32..95 per VM
inline constexpr u32 VGIC_NR_IRQS = 32 + VGIC_NR_SPIS;
inline constexpr u32 VGIC_MAX_LRS = 16; ///< GICv3 has at most 16 list registers
inline constexpr u32 VGIC_MAINTENANCE_INTID = 25;
inline constexpr u32 VGIC_VTIMER_INTID = vplat::VTIMER_INTID;
inline constexpr u32 VGIC_PTIMER_INTID = vplat::PTIMER_INTID;
inline constexpr u64 VGICD_SIZE = vplat::GICD_SIZE;
inline constexpr u64 VGICR_STRIDE = vplat::GICR_STRIDE; ///< RD_base + SGI_base frames per vCPU

/// One virtual interrupt's state.
struct VirqState {
    u8 priority = 0;
    bool enabled = false;
    bool pending = false;
    bool active = false;
    bool edge = false;       ///< ICFGR: edge-triggered
    bool line = false;       ///< level input from a virtual device
    bool soft = false;       ///< level-sensitive, made pending by ISPENDR until acknowledged
    bool hw = false;         ///< forwarded physical interrupt (deactivated by the guest's EOI)
    bool in_lr = false;      ///< in one of its vCPU's list registers right now
    bool edge_latch = false; ///< a new edge arrived while in a list register
};

/// Per-vCPU part: SGIs and PPIs, and the redistributor's wake state.
struct VgicCpu {
    VirqState priv[32];
    bool sleeping = true; ///< GICR_WAKER.ProcessorSleep
    /// Vgic::generation at which nothing was waiting for this vCPU; any
    /// other value: it looks again on its next entry. Written under the
    /// vGIC's lock (by any core: a private interrupt of this vCPU moves it
    /// instead of the VM's generation), read without it (the first look of
    /// vgic_pick and of an entry, tessera_resume: relaxed_peek_word).
    u32 quiet_at = ~0u;
    u32 maybe = 0; ///< private interrupts that may be pending or active (vgic_pick looks only at these)
};

/// Per-VM part: the distributor and its SPIs.
struct Vgic {
    Spinlock lock; ///< guards every VirqState of the VM
    u32 ctlr = 0;
    VirqState spi[VGIC_NR_SPIS];
    u64 route[VGIC_NR_SPIS]{};      ///< GICD_IROUTER: target affinity
    std::atomic<u32> generation{0}; ///< bumped by every change that may give a vCPU work
    u64 spi_maybe = 0;              ///< SPIs that may be pending or active
};
static_assert(VGIC_NR_SPIS <= 64, "Vgic::spi_maybe has a bit per SPI");

/// An interrupt chosen for a list register.
struct LrEntry {
    u32 intid = 0;
    u8 priority = 0;
    bool pending = false, active = false, hw = false;
    /// Level-sensitive, emulated, its device's line high: when the guest
    /// ends it, the hardware must tell EL2 (an EOI maintenance interrupt),
    /// so that a line still high makes it pending again, as a level input
    /// does on a real GIC. (One pending only by software, such as a
    /// channel's doorbell, needs no word: a line that rises later kicks.)
    bool level = false;
};

/// Resets the VM's distributor and every vCPU's redistributor state.
void vgic_reset(Vm& vm);

/// Makes `intid` (SGI, PPI or SPI routed to `target`) pending on `target`,
/// as an edge, and kicks the vCPU's core if it must notice. `hw` marks a
/// forwarded physical interrupt with the same INTID.
void vgic_inject(Vcpu& target, u32 intid, bool hw = false);

/// The forwarded private interrupt `intid` (its timer's) of `v`, loaded on
/// this core, fired again while its exit has not yet handed the list
/// registers back: if the guest has finished the last one, the list register
/// that held it takes it again in place — no write-back, no pick, and the
/// model unchanged (still in a list register, forwarded). True if it did;
/// else the caller takes the usual way (the exit's write-back, vgic_inject).
[[nodiscard]] bool vgic_inject_again(Vcpu& v, u32 intid);

/// Takes back a forwarded (`hw`) interrupt of `v` that is pending, not yet
/// acknowledged and not in a list register — its source, the vCPU's timer,
/// stopped asserting it, as a level-sensitive line drops on bare metal.
/// True if it was withdrawn: the caller then deactivates the physical one.
[[nodiscard]] bool vgic_withdraw(Vcpu& v, u32 intid);

/// Drives the level of SPI `intid` from a virtual device of `vm`.
void vgic_set_line(Vm& vm, u32 intid, bool level);

/// Marks `v` blocked (waiting in WFI) unless an interrupt is pending for it;
/// true if it blocked. Atomic with injection: an interrupt that arrives
/// after this finds `v` blocked and wakes it.
[[nodiscard]] bool vgic_block_unless_pending(Vcpu& v);

/// Picks up to `max` interrupts for `v`'s list registers, most urgent first,
/// and marks them as in a list register. Sets `more` when others wait.
unsigned vgic_pick(Vcpu& v, LrEntry* out, unsigned max, bool& more);

/// Takes back an interrupt from a list register with the state the guest left.
void vgic_writeback(Vcpu& v, const LrEntry& e);

/// The guest wrote ICC_SGI1R_EL1: raise SGIs on the vCPUs it names.
void vgic_send_sgi(Vcpu& from, u64 sgi1r);

/// The distributor's identification registers: constants.
inline constexpr u32 VGICD_PIDR2 = 0x3b;       // GICv3
inline constexpr u32 VGICD_IIDR = 0x0000'043b; // implementer Arm, revision 0

/// A 32-bit read of one of the distributor's identification registers at
/// offset `off`: answered into `value` inline, without the lock (true);
/// false for any other access. The first thing vgicd_access() asks.
[[gnu::always_inline]] inline bool vgicd_read_constant(u64 off, unsigned size, bool write, u64& value) {
    if (write || size != 4) return false;
    switch (off) {
    case 0x0004: value = (VGIC_NR_IRQS / 32 - 1) | (9u << 19); return true; // TYPER: ITLinesNumber, 10 INTID bits
    case 0x0008: value = VGICD_IIDR; return true;
    case 0xffe8: value = VGICD_PIDR2; return true;
    default: return false;
    }
}

/// Emulated distributor access at `offset` (`size` bytes). Reads fill `value`.
/// Returns false for an access the GIC architecture does not allow.
[[nodiscard]] bool vgicd_access(Vcpu& v, u64 offset, unsigned size, bool write, u64& value);

/// Emulated redistributor access at `offset` into the VM's redistributor region.
[[nodiscard]] bool vgicr_access(Vcpu& v, u64 offset, unsigned size, bool write, u64& value);

} // namespace tessera

// vgic_lr.hpp (aarch64) — moving virtual interrupts between the vGIC model and the ICH list registers.
#pragma once

#include <atomic>

#include "relaxed_peek.hpp"
#include "vm.hpp"

namespace tessera::arch {

/// The list registers the board's cores have (ICH_VTR_EL2.ListRegs + 1, at
/// most 8), as vgic_lrs_init_core() read them.
extern constinit std::atomic<unsigned> g_lr_count;

/// Number of list registers this core implements (ICH_VTR_EL2.ListRegs + 1).
inline unsigned vgic_lr_count() { return g_lr_count.load(std::memory_order_relaxed); }

/// A core's virtual CPU interface on (ICH_HCR_EL2.En) and its list
/// registers counted, once at its start, before any vCPU runs there: it
/// stays on, and load and save write the register only for the underflow request.
void vgic_lrs_init_core();

/// Before entering `v`: fills the list registers from the model and asks for
/// a maintenance interrupt if more interrupts wait than registers exist.
void vgic_load_lrs(Vcpu& v);

/// After `v` exits: hands every list register's state back to the model.
void vgic_save_lrs(Vcpu& v);

/// The list registers touched only when something changed: on the common
/// exit, nothing was in them and nothing new waits for `v` (the vGIC's
/// generation is the one at which its last look found nothing, and no
/// private interrupt of its own moved its quiet_at since), and both
/// steps cost a few loads inline.
[[gnu::always_inline]] inline void vgic_sync_lrs_on_exit(Vcpu& v) {
    if (v.lrs_used != 0 || v.lr_underflow) vgic_save_lrs(v);
}
[[gnu::always_inline]] inline void vgic_sync_lrs_on_entry(Vcpu& v) {
    // (A change racing with this peek kicks the vCPU: its next entry looks again.)
    if (v.vm->vgic.generation.load(std::memory_order_acquire) != relaxed_peek_word(v.vgic.quiet_at)) vgic_load_lrs(v);
}

} // namespace tessera::arch

// vgic_lr.hpp (aarch64) — moving virtual interrupts between the vGIC model and the ICH list registers.
#pragma once

#include "vm.hpp"

namespace tessera::arch {

/// Number of list registers this core implements (ICH_VTR_EL2.ListRegs + 1).
unsigned vgic_lr_count();

/// Before entering `v`: fills the list registers from the model and asks for
/// a maintenance interrupt if more interrupts wait than registers exist.
void vgic_load_lrs(Vcpu& v);

/// After `v` exits: hands every list register's state back to the model.
void vgic_save_lrs(Vcpu& v);

} // namespace tessera::arch

// mmio.hpp — emulated devices in a VM's address space: which IPA belongs to which device model.
#pragma once

#include "addr.hpp"
#include "model_device.hpp"
#include "vgic.hpp"
#include "vm.hpp"
#include "vplatform.hpp"

namespace tessera {

/// Guest-physical layout of the emulated devices (vplatform.hpp).
inline constexpr u64 VGICD_IPA = vplat::GICD;
inline constexpr u64 VGICR_IPA = vplat::GICR;
inline constexpr u64 VPL011_IPA = vplat::UART;

/// Emulates `v`'s access of `size` bytes at `ipa`: the core's devices, then
/// its VM's model devices (model_device.hpp). Reads fill `value`.
MmioResult mmio_emulate(Vcpu& v, Ipa ipa, unsigned size, bool write, u64& value);

/// A trapped load or store, as its syndrome describes it (ESR_EL2.ISS with
/// ISV set): its size in bytes, direction, the register it moves (31: xzr),
/// and how a load extends its value into it.
struct MmioAccess {
    unsigned size = 4;
    bool write = false;
    unsigned rt = 31;
    bool sign_extend = false; ///< a load's value is sign-extended (LDRSB, LDRSH, LDRSW)
    bool sixty_four = true;   ///< into the X register (else W: the upper half cleared)
};

/// What load `a` leaves in its register for the `value` a device answered:
/// its size's bytes, zero- or sign-extended, a W register's upper half clear.
[[gnu::always_inline]] inline u64 mmio_loaded(const MmioAccess& a, u64 value) {
    const u64 mask = a.size < 8 ? (1ull << (8 * a.size)) - 1 : ~0ull;
    value &= mask;
    if (a.sign_extend && (value >> (8 * a.size - 1)) & 1) value |= ~mask;
    return a.sixty_four ? value : value & 0xffff'ffff;
}

/// A read of a constant register at `ipa` (the distributor's
/// identification): its value, answered inline — no lock, no call, no
/// device lookup. False for any other access.
[[gnu::always_inline]] inline bool mmio_read_constant(Ipa ipa, const MmioAccess& a, u64& value) {
    return IpaRange{Ipa(VGICD_IPA), VGICD_SIZE}.contains(ipa) &&
           vgicd_read_constant(ipa - Ipa(VGICD_IPA), a.size, a.write, value);
}

/// Emulates access `a` of `v` at `ipa` whole: a store's value taken from its
/// register, a load's answer put in its register as the load instruction
/// would (mmio_loaded). One device lookup. The register is written only on
/// MmioResult::done.
MmioResult mmio_access(Vcpu& v, Ipa ipa, MmioAccess a);

/// True if `ipa` belongs to one of `vm`'s emulated devices.
[[nodiscard]] bool mmio_claims(const Vm& vm, Ipa ipa);

} // namespace tessera

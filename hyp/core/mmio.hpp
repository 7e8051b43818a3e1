// mmio.hpp — emulated devices in a VM's address space: which IPA belongs to which device model.
#pragma once

#include "addr.hpp"
#include "model_device.hpp"
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

/// True if `ipa` belongs to one of `vm`'s emulated devices.
[[nodiscard]] bool mmio_claims(const Vm& vm, Ipa ipa);

} // namespace tessera

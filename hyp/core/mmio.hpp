// mmio.hpp — emulated devices in a VM's address space: which IPA belongs to which device model.
#pragma once

#include "addr.hpp"
#include "vm.hpp"

namespace tessera {

/// Guest-physical layout of the emulated devices (the QEMU virt map, so the
/// same guest binaries and device trees work under Tessera and on the board).
inline constexpr u64 VGICD_IPA = 0x0800'0000;
inline constexpr u64 VGICR_IPA = 0x080a'0000;
inline constexpr u64 VPL011_IPA = 0x0900'0000;

enum class MmioResult : u8 {
    done,      ///< emulated; the guest moves on
    no_device, ///< nothing is there: a stray access
    bad_access ///< a device is there, but not with this width
};

/// Emulates `v`'s access of `size` bytes at `ipa`. Reads fill `value`.
MmioResult mmio_emulate(Vcpu& v, Ipa ipa, unsigned size, bool write, u64& value);

/// True if `ipa` belongs to one of `vm`'s emulated devices.
bool mmio_claims(const Vm& vm, Ipa ipa);

} // namespace tessera

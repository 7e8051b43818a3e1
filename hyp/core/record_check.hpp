// record_check.hpp — what the hypervisor accepts in a packed VM record: the SDK's rules, checked again at boot.
#pragma once

#include "system_image.hpp"

namespace tessera {

/// Largest number of vCPUs one physical core carries (all VMs together).
inline constexpr unsigned MAX_VCPUS_PER_CORE = 256;

/// Why `r` cannot be a VM, or nullptr if it can (its vCPUs' cores are checked
/// against the board when the VM is created, with its name). The description
/// is CRC-checked, not signed: a re-sealed one is as trustworthy as its
/// author, so each value `tessera build` would refuse is refused here too —
/// a name that is not a-z, 0-9 and '-', RAM below the virtual devices, not
/// 2 MiB aligned or past the 39-bit IPA space, more than 256 vCPUs, a
/// priority over 15, a budget larger than its period, an initramfs without
/// a device tree to say where it goes.
const char* check_vm_record(const sysimg::VmRecord& r);

} // namespace tessera

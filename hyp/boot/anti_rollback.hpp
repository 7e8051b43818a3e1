// anti_rollback.hpp — boot-only: the board's security-version counter, checked and raised before any VM exists.
#pragma once

#include "addr.hpp"
#include "secure_boot.hpp"

namespace tessera {

/// How much of the counter's flash bank EL2 must map (device memory) before
/// anti_rollback(): the CFI query and two erase sectors.
inline constexpr u64 NV_FLASH_MAPPED = 2ull << 20;

/// Anti-rollback for an image signed with this hypervisor's key (`v`
/// anchored; others are development images and leave the counter alone):
/// an image whose security version is below the counter in `bank` (the
/// board's CFI flash) is refused; a higher one raises the counter. Logs
/// what it did. Returns nullptr, or why the image is refused (also when
/// there is no counter to keep, or it could not be raised).
const char* anti_rollback(const BootVerdict& v, PhysRange bank);

} // namespace tessera

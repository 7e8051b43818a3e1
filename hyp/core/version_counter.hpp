// version_counter.hpp — anti-rollback: a monotonic security-version counter kept as append-only records in NOR
// flash (QEMU virt's second pflash bank; on a real board, OTP or RPMB behind the same interface).
#pragma once

#include "status.hpp"
#include "types.hpp"

namespace tessera {

/// Two erase sectors of a NOR flash the counter owns. Erased words read as
/// all ones; programming a word can only clear bits; erasing sets a whole
/// sector back to ones. A board fills this in for its storage.
struct NvFlash {
    u64 sector_size = 0; ///< bytes in an erase sector (a multiple of 8)
    /// The 32-bit word at byte `offset` of sector `sector` (0 or 1).
    u32 (*read)(void* self, unsigned sector, u64 offset) = nullptr;
    /// Programs that word (bits only cleared); false if the device reports an error.
    bool (*program)(void* self, unsigned sector, u64 offset, u32 value) = nullptr;
    /// Sets every byte of `sector` to 0xff; false if the device reports an error.
    bool (*erase)(void* self, unsigned sector) = nullptr;
    void* self = nullptr;
};

/// The counter: the highest value of any whole record in either sector, 0
/// if there is none (erased, zeroed or foreign contents).
u32 version_counter_read(const NvFlash& f);

/// Raises the counter to `value` (which must be higher than it is): appends
/// a record after the last one in use; when that sector is full, erases the
/// other one, writes the record there first and only then erases the full
/// one, so a power cut at any step leaves the old value or the new one and
/// never less. Checks what it wrote by reading it back. `invalid` if
/// `value` is not higher, `not_found` if the flash took no record.
Status version_counter_raise(const NvFlash& f, u32 value);

/// What anti-rollback decided for an image of security version `version`.
struct RollbackVerdict {
    u32 counter_before = 0;
    bool raised = false;
    Status raise_status = Status::ok; ///< when a raise was needed: whether the flash took it
};

/// The policy: an image whose version is below the counter is refused
/// (returns false); a higher one raises the counter to it. A failed raise
/// still boots the image (it is not older than what the board has run) but
/// is reported in the verdict.
bool rollback_check(const NvFlash& f, u32 version, RollbackVerdict& out);

} // namespace tessera

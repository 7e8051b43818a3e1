// packed_system.hpp — booting from the system description `tessera build` packed into the image.
#pragma once

#include "page_alloc.hpp"
#include "system_desc.hpp"

namespace tessera {

/// Size of the packed description at `at` if one starts there (its magic),
/// else 0, its signed manifest included. Reads three aligned words: safe
/// with the MMU off. A size beyond
/// `limit` is returned as `limit` (packed_system_load then refuses it).
u64 packed_system_size(const void* at, u64 limit);

/// Checks the packed description at `blob` (`mapped` bytes readable) — magic,
/// version, CRC-32, every record and range — and describes it in `out`, with
/// the VM table allocated from `alloc`. Returns nullptr, or what is wrong.
const char* packed_system_load(const u8* blob, u64 mapped, PageAllocator& alloc, SystemDesc& out);

} // namespace tessera

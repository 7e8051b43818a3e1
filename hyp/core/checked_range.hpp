// checked_range.hpp — the one rule for "does this range lie inside that one?", for every number a guest, a system
// file, a kernel file or a packed image supplies: the hypervisor and the SDK both use it (docs/security.md).
#pragma once

#include "types.hpp"

namespace tessera {

/// Whether `size` bytes at `offset` lie inside [0, `total`). Written as
/// differences, never as a sum: `offset + size` of hostile numbers can wrap
/// past 2^64 and look small.
[[nodiscard]] constexpr bool fits_within(u64 offset, u64 size, u64 total) {
    return offset <= total && size <= total - offset;
}

/// Whether `size` bytes at address `at` lie inside the `outer_size` bytes at
/// `outer_base` (addresses of any one kind: guest-physical, physical, file
/// offsets).
[[nodiscard]] constexpr bool fits_inside(u64 at, u64 size, u64 outer_base, u64 outer_size) {
    return at >= outer_base && fits_within(at - outer_base, size, outer_size);
}

} // namespace tessera

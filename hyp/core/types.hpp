// types.hpp — fixed-width integers and small utilities for freestanding code.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tessera {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i64 = int64_t;
using usize = size_t;

inline constexpr u64 KiB = 1024;
inline constexpr u64 MiB = 1024 * KiB;
inline constexpr u64 GiB = 1024 * MiB;
inline constexpr u64 PAGE_SIZE = 4 * KiB;

/// Round `v` up to a multiple of `align` (a power of two).
constexpr u64 align_up(u64 v, u64 align) { return (v + align - 1) & ~(align - 1); }
/// Round `v` down to a multiple of `align` (a power of two).
constexpr u64 align_down(u64 v, u64 align) { return v & ~(align - 1); }
/// True when `v` is a multiple of `align` (a power of two).
constexpr bool is_aligned(u64 v, u64 align) { return (v & (align - 1)) == 0; }

} // namespace tessera

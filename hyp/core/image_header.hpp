// image_header.hpp — the arm64 Image header (Linux's arm64 booting.rst), read alike by the SDK and the hypervisor.
#pragma once

#include "types.hpp"

namespace tessera::arm64 {

inline constexpr u64 HEADER_SIZE = 64;
inline constexpr u64 MAGIC_OFFSET = 56; ///< "ARM\x64"
inline constexpr u64 TEXT_OFFSET_AT = 8;
inline constexpr u64 IMAGE_SIZE_AT = 16;

/// What a loader needs from an Image header.
struct ImageHeader {
    u64 text_offset = 0; ///< where the Image goes past a 2 MiB boundary
    u64 image_size = 0;  ///< bytes it occupies once running (bss included); 0 in old kernels
};

/// An Image's little-endian 64-bit field at `p` (any alignment).
constexpr u64 le64(const u8* p) {
    u64 v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

/// Whether the `size` bytes at `data` hold an Image header with the magic.
constexpr bool has_header(const u8* data, u64 size) {
    return size >= HEADER_SIZE && data[MAGIC_OFFSET] == 'A' && data[MAGIC_OFFSET + 1] == 'R' &&
           data[MAGIC_OFFSET + 2] == 'M' && data[MAGIC_OFFSET + 3] == 0x64;
}

/// The header of an Image that has_header() accepted.
constexpr ImageHeader read_header(const u8* data) {
    return ImageHeader{le64(data + TEXT_OFFSET_AT), le64(data + IMAGE_SIZE_AT)};
}

} // namespace tessera::arm64

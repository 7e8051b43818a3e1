// fuzz_common.hpp — what the fuzz targets share: a failed check that libFuzzer reports as a crash, and re-sealing a
// mutated packed description with its CRC-32 so that mutations reach the checks behind it.
#pragma once

#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "system_image.hpp"

namespace tessera::fuzz {

/// Stops the run with `what` when `ok` does not hold: libFuzzer saves the
/// input as a crash (a property the code promises was broken).
inline void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz: broken promise: %s\n", what);
    std::abort();
}

/// Re-seals the description at `blob` (`size` bytes) with the CRC-32 its
/// header's total_size calls for, if the header is there and the size fits:
/// a mutation otherwise dies at the CRC check and tests nothing behind it.
inline void reseal(unsigned char* blob, size_t size) {
    sysimg::Header h{};
    if (size < sizeof h) return;
    std::memcpy(&h, blob, sizeof h);
    if (h.total_size < sizeof h || h.total_size > size) return;
    h.crc32 = sysimg::blob_crc(blob, h, [](u32 crc, const u8* data, u64 n) {
        return static_cast<u32>(crc32(crc, data, static_cast<uInt>(n)));
    });
    std::memcpy(blob, &h, sizeof h);
}

} // namespace tessera::fuzz

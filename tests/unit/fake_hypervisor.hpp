// fake_hypervisor.hpp — a stand-in for tessera.bin for the SDK's packing tests: as much of an unpacked hypervisor
// image as packing looks at.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "system_image.hpp"

namespace tessera::test {

/// Where the packed description starts behind fake_hypervisor(): its image_size.
inline constexpr uint64_t FAKE_HYP_SIZE = 3ull * 4096;

/// An arm64 Image header's magic, and an image_size of 3 pages beyond its 2-page file.
inline std::vector<uint8_t> fake_hypervisor() {
    std::vector<uint8_t> hyp(8192, 0);
    std::memcpy(hyp.data() + 56, "ARM\x64", 4);
    std::memcpy(hyp.data() + sysimg::IMAGE_SIZE_FIELD, &FAKE_HYP_SIZE, 8);
    return hyp;
}

} // namespace tessera::test

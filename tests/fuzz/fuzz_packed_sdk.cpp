// fuzz_packed_sdk.cpp — `tessera inspect` (and `run`, which reads the same header) on a hostile packed image: the
// input is the system description after a minimal hypervisor image, re-sealed with its CRC-32. It is described or
// refused with a std::runtime_error; never a crash, an out-of-bounds read or undefined behaviour.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "fuzz_common.hpp"
#include "system_pack.hpp"

namespace {

constexpr size_t HYP = 4096; ///< the stand-in hypervisor image: an arm64 header, then zeros

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> image(HYP, 0);
    std::memcpy(&image[56], "ARM\x64", 4);
    const uint64_t image_size = HYP, at = HYP;
    std::memcpy(&image[tessera::sysimg::IMAGE_SIZE_FIELD], &image_size, 8);
    std::memcpy(&image[tessera::sysimg::IMAGE_RES2_FIELD], &at, 8);
    image.insert(image.end(), data, data + size);
    image.shrink_to_fit(); // (no spare capacity: AddressSanitizer sees a read past the end)
    tessera::fuzz::reseal(image.data() + HYP, size);
    try {
        uint64_t found = 0;
        (void)tessera::sdk::packed_header(image, found);
        tessera::fuzz::require(found == HYP, "the description found elsewhere than the header says");
        const std::string text = tessera::sdk::inspect_image(image);
        tessera::fuzz::require(!text.empty(), "an image described in no words");
    } catch (const std::runtime_error&) {
        // refused, with a reason: what a hostile image must get
    }
    return 0;
}

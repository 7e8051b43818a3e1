// test_memcpy.cpp — the hypervisor's memcpy (hyp/lib/memcpy.cpp), built for the host under another name: every
// alignment of source and destination, every short length, and no byte written outside the copy.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

extern "C" void* tessera_memcpy(void* dst, const void* src, size_t n);

namespace {

TEST(Memcpy, EveryAlignmentAndLengthCopiesExactlyItsBytes) {
    std::vector<unsigned char> src(4096 + 64), dst(4096 + 64), want(4096 + 64);
    for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<unsigned char>(i * 7 + 3);
    const size_t lengths[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000, 4000};
    for (size_t from = 0; from < 16; ++from) {
        for (size_t to = 0; to < 16; ++to) {
            for (const size_t n : lengths) {
                std::memset(dst.data(), 0xee, dst.size());
                want = dst;
                std::memcpy(want.data() + to, src.data() + from, n);
                ASSERT_EQ(tessera_memcpy(dst.data() + to, src.data() + from, n), dst.data() + to);
                ASSERT_EQ(dst, want) << "from +" << from << " to +" << to << ", " << n << " bytes";
            }
        }
    }
}

} // namespace

// test_secure_boot.cpp — the hypervisor's secured-boot check (hyp/boot/secure_boot.cpp) on the host, under
// AddressSanitizer: images `tessera build` signed pass; every byte of what is signed changed, truncated
// images and hostile manifests are refused, and nothing is read outside the image.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "fake_hypervisor.hpp"
#include "manifest.hpp"
#include "secure_boot.hpp"
#include "signing.hpp"
#include "system_config.hpp"
#include "system_pack.hpp"

namespace fs = std::filesystem;
using namespace tessera;
using namespace tessera::sdk;

namespace tessera::arch {
void fp_borrow() {} // (the host has no vCPU in its FP registers)
} // namespace tessera::arch

namespace {

constexpr uint64_t HYP_SIZE = test::FAKE_HYP_SIZE;

/// A signed image of two bare-metal VMs, and where its description starts.
struct Signed {
    std::vector<uint8_t> image;
    sysimg::Header h{};
    std::vector<uint8_t> blob() const {
        return {image.begin() + static_cast<long>(HYP_SIZE), image.end()}; // the description and its manifest
    }
};

Signed make_signed() {
    const fs::path dir = fs::temp_directory_path() / ("tessera-sb-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "a.bin") << std::string(3000, 'a');
    std::ofstream(dir / "b.bin") << std::string(5000, 'b');
    const fs::path file = dir / "s.yaml";
    std::ofstream(file) << "cores: 4\nmemory: 512M\nvms:\n"
                           "  - {name: a, image: a.bin, memory: 2M, cores: 1}\n"
                           "  - {name: b, image: b.bin, memory: 2M, cores: 2}\n";
    SystemConfig sys;
    EXPECT_TRUE(load_system(file.string(), {dir.string()}, sys).empty());
    if (!fs::exists(dir / "k/tessera-key.pem")) generate_key((dir / "k").string());
    const SigningKey key((dir / "k/tessera-key.pem").string());
    std::vector<ConfigError> errors;
    const Signer signer{key, 5};
    Signed s;
    s.image = pack_system(sys, test::fake_hypervisor(), errors, &signer);
    EXPECT_TRUE(errors.empty());
    std::memcpy(&s.h, s.image.data() + HYP_SIZE, sizeof s.h);
    fs::remove_all(dir);
    return s;
}

const char* check(const std::vector<uint8_t>& blob, BootVerdict& v) {
    // A copy of exactly `blob`'s size on the heap: AddressSanitizer sees any read past it.
    std::vector<uint8_t> exact(blob);
    return secure_boot_check(exact.data(), exact.size(), v);
}

TEST(SecureBoot, ASignedImagePassesAndEveryChangeToWhatIsSignedIsRefused) {
    const Signed s = make_signed();
    const std::vector<uint8_t> blob = s.blob();
    BootVerdict v;
    ASSERT_EQ(check(blob, v), nullptr);
    EXPECT_TRUE(v.is_signed);
    EXPECT_FALSE(v.anchored); // (this build has no key of its own)
    EXPECT_EQ(v.security_version, 5u);
    EXPECT_EQ(v.parts, 5u); // records, two core lists, two images

    // Every byte of the manifest, and of each signed part, changed in turn: refused, never read outside.
    std::vector<std::pair<uint64_t, uint64_t>> signed_ranges{{s.h.total_size, s.h.manifest_size}};
    for (uint32_t i = 0; i < v.parts; ++i) {
        sysimg::ManifestPart p{};
        std::memcpy(&p, blob.data() + s.h.total_size + sizeof(sysimg::ManifestHeader) + i * sizeof p, sizeof p);
        signed_ranges.emplace_back(p.offset, p.size);
    }
    unsigned refused = 0;
    for (const auto& [at, size] : signed_ranges) {
        for (uint64_t k = 0; k<size; k += size> 512 ? 97 : 1) {
            if (at + k >= 24 && at + k < 28) continue; // the header's CRC: outside the signature on purpose
            std::vector<uint8_t> bad = blob;
            bad[at + k] ^= 0x40;
            BootVerdict w;
            ASSERT_NE(check(bad, w), nullptr) << "a change at " << at + k << " was accepted";
            ++refused;
        }
    }
    EXPECT_GT(refused, 700u);
}

TEST(SecureBoot, TruncatedImagesAndHostileManifestsAreRefused) {
    const Signed s = make_signed();
    const std::vector<uint8_t> blob = s.blob();
    BootVerdict v;
    for (uint64_t cut : {uint64_t{0}, uint64_t{10}, s.h.total_size, s.h.total_size + 50, blob.size() - 1}) {
        std::vector<uint8_t> shorter(blob.begin(), blob.begin() + static_cast<long>(cut));
        if (shorter.size() < sizeof(sysimg::Header)) continue; // (the boot never maps less than a header)
        EXPECT_NE(check(shorter, v), nullptr) << cut;
    }
    // Manifests of random contents behind a valid header and magic: refused, nothing read outside.
    std::mt19937_64 rng(7);
    const uint64_t m = s.h.total_size;
    for (int round = 0; round < 3000; ++round) {
        std::vector<uint8_t> bad = blob;
        for (uint64_t k = m + 8; k < bad.size(); ++k) {
            if (rng() % 8 == 0) bad[k] = static_cast<uint8_t>(rng());
        }
        if (round % 3 == 0) {
            const uint32_t count = static_cast<uint32_t>(rng());
            std::memcpy(bad.data() + m + 8, &count, 4);
        }
        EXPECT_NE(check(bad, v), nullptr);
    }
    // A header that claims a manifest larger than the image.
    std::vector<uint8_t> bad = blob;
    const uint64_t huge = ~0ull - 4096;
    std::memcpy(bad.data() + offsetof(sysimg::Header, manifest_size), &huge, 8);
    EXPECT_STREQ(check(bad, v), "the manifest lies outside the image");
}

} // namespace

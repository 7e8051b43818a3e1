// test_system_pack.cpp — packing: identical blobs stored once, pack-stage errors with their lines, the CRC as zlib's.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "fake_hypervisor.hpp"
#include "system_config.hpp"
#include "system_image.hpp"
#include "system_pack.hpp"

namespace {

using namespace tessera::sdk;
namespace fs = std::filesystem;
using tessera::sysimg::Header;
using tessera::sysimg::VmRecord;

constexpr uint64_t HYP_IMAGE_SIZE = tessera::test::FAKE_HYP_SIZE;
using tessera::test::fake_hypervisor;

/// An arm64 Image of `file_size` bytes (filled with `fill`) that takes 4 MiB once running.
std::string fake_kernel(char fill, size_t file_size = 100'000) {
    std::string k(file_size, fill);
    const uint64_t image_size = 4ull << 20;
    const uint64_t text_offset = 0;
    std::memcpy(k.data() + 8, &text_offset, 8);
    std::memcpy(k.data() + 16, &image_size, 8);
    std::memcpy(k.data() + 56, "ARM\x64", 4);
    return k;
}

class SystemPackTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tessera-pack-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        std::ofstream(dir_ / "Image") << fake_kernel('k');
        std::ofstream(dir_ / "Image-other") << fake_kernel('o');
        std::ofstream(dir_ / "initrd") << std::string(50'000, 'i');
        std::ofstream(dir_ / "guest.bin") << "guest program";
    }
    void TearDown() override { fs::remove_all(dir_); }

    /// Loads the system file `text`; fails the test on any error.
    SystemConfig load(const std::string& text) {
        const fs::path file = dir_ / "system.yaml";
        std::ofstream(file) << text;
        SystemConfig sys;
        const auto errors = load_system(file.string(), {}, sys);
        EXPECT_TRUE(errors.empty()) << errors[0].str();
        return sys;
    }

    /// The VM records of a packed image.
    static std::vector<VmRecord> records(const std::vector<uint8_t>& image) {
        Header h{};
        std::memcpy(&h, image.data() + HYP_IMAGE_SIZE, sizeof h);
        std::vector<VmRecord> recs(h.vm_count);
        std::memcpy(recs.data(), image.data() + HYP_IMAGE_SIZE + sizeof h, h.vm_count * sizeof(VmRecord));
        return recs;
    }

    fs::path dir_;
};

constexpr const char* kTwoLinux = "cores: 4\nmemory: 512M\nvms:\n"
                                  "  - {name: a, linux: {kernel: Image, initrd: initrd}, memory: 32M, cores: 1}\n"
                                  "  - {name: b, linux: {kernel: Image, initrd: initrd}, memory: 32M, cores: 1}\n"
                                  "  - {name: c, linux: {kernel: Image-other}, memory: 32M, cores: 2}\n"
                                  "  - {name: d, image: guest.bin, memory: 2M, cores: 3}\n";

TEST_F(SystemPackTest, VmsWithTheSameKernelShareOneCopy) {
    const SystemConfig sys = load(kTwoLinux);
    std::vector<ConfigError> errors;
    const std::vector<uint8_t> image = pack_system(sys, fake_hypervisor(), errors);
    ASSERT_TRUE(errors.empty()) << errors[0].str();
    const std::vector<VmRecord> r = records(image);
    ASSERT_EQ(r.size(), 4u);
    // a and b: one kernel, one initramfs, and the same core list; their own device trees.
    EXPECT_EQ(r[1].image.offset, r[0].image.offset);
    EXPECT_EQ(r[1].image.size, r[0].image.size);
    EXPECT_EQ(r[1].initrd.offset, r[0].initrd.offset);
    EXPECT_EQ(r[1].cores.offset, r[0].cores.offset);
    EXPECT_NE(r[1].dtb.offset, r[0].dtb.offset);
    // c's kernel has the same size but other bytes: a copy of its own.
    EXPECT_EQ(r[2].image.size, r[0].image.size);
    EXPECT_NE(r[2].image.offset, r[0].image.offset);
    EXPECT_NE(r[3].image.offset, r[0].image.offset);
    // The shared bytes are the kernel's, once: two kernels' worth in all, not three.
    const uint8_t* blob = image.data() + HYP_IMAGE_SIZE;
    EXPECT_EQ(std::memcmp(blob + r[1].image.offset, fake_kernel('k').data(), r[1].image.size), 0);
    EXPECT_LT(image.size(), HYP_IMAGE_SIZE + 3 * r[0].image.size);

    const std::string text = inspect_image(image);
    EXPECT_NE(text.find("  b: 32 MiB at IPA 0x40000000, 1 vCPU on core 1, priority 0\n"
                        "    kernel 100000 bytes (shared with a), initrd 50000 bytes (shared with a), device tree"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("blobs shared between VMs are stored once (150000 bytes saved)"), std::string::npos) << text;
    EXPECT_EQ(text.find("(shared with", text.find("  c: ")), std::string::npos) << text;
}

TEST_F(SystemPackTest, PackErrorsNameTheirLinesAndAllAreReported) {
    SystemConfig sys = load(kTwoLinux);
    fs::remove(dir_ / "initrd"); // gone between checking and packing
    fs::remove(dir_ / "guest.bin");
    std::vector<ConfigError> errors;
    const std::vector<uint8_t> image = pack_system(sys, fake_hypervisor(), errors);
    EXPECT_TRUE(image.empty());
    ASSERT_EQ(errors.size(), 3u);
    const std::string file = (dir_ / "system.yaml").string();
    EXPECT_EQ(errors[0].str(), file + ":4: vm 'a': cannot read its initrd " + (dir_ / "initrd").string());
    EXPECT_EQ(errors[1].str(), file + ":5: vm 'b': cannot read its initrd " + (dir_ / "initrd").string());
    EXPECT_EQ(errors[2].str(), file + ":7: vm 'd': cannot read its image " + (dir_ / "guest.bin").string());
}

TEST_F(SystemPackTest, AHypervisorThatIsNotAnImageIsRefused) {
    const SystemConfig sys = load(kTwoLinux);
    std::vector<ConfigError> errors;
    EXPECT_THROW(pack_system(sys, std::vector<uint8_t>(100, 0), errors), std::runtime_error);
}

TEST(Crc32, MatchesZlibAndTheTableTheHypervisorFallsBackTo) {
    const char* check = "123456789"; // the CRC-32 catalogue's check value
    EXPECT_EQ(crc32_of(0, reinterpret_cast<const uint8_t*>(check), 9), 0xcbf4'3926u);
    tessera::sysimg::Crc32Table table{};
    tessera::sysimg::crc32_table_init(table);
    std::vector<uint8_t> data(100'003);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 2654435761u >> 13);
    const uint32_t whole = crc32_of(0, data.data(), data.size());
    EXPECT_EQ(tessera::sysimg::crc32_by_table(table, 0, data.data(), data.size()), whole);
    // Continued in pieces, as blob_crc does (header, then the rest).
    const uint32_t first = tessera::sysimg::crc32_by_table(table, 0, data.data(), 56);
    EXPECT_EQ(crc32_of(first, data.data() + 56, data.size() - 56), whole);
}

} // namespace

// test_system_config.cpp — the system file: what it accepts, and each mistake named with its line.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "system_config.hpp"
#include "system_image.hpp"
#include "system_pack.hpp"

namespace {

using namespace tessera::sdk;
namespace fs = std::filesystem;

class SystemConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tessera-cfg-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        std::ofstream(dir_ / "guest.bin") << "guest";
    }
    void TearDown() override { fs::remove_all(dir_); }

    /// Loads `text` as a system file; returns the errors as "line: message".
    std::vector<std::string> load(const std::string& text, SystemConfig* out = nullptr) {
        const fs::path file = dir_ / "system.yaml";
        std::ofstream(file) << text;
        SystemConfig sys;
        std::vector<std::string> lines;
        for (const ConfigError& e : load_system(file.string(), {}, sys))
            lines.push_back(std::to_string(e.line) + ": " + e.message);
        if (out != nullptr) *out = sys;
        return lines;
    }

    fs::path dir_;
};

constexpr const char* kHead = "cores: 4\nmemory: 512M\nvms:\n";

TEST_F(SystemConfigTest, AcceptsAFullVmDescription) {
    SystemConfig sys;
    const auto errors = load(std::string(kHead) + "  - name: rt\n"
                                                  "    image: guest.bin\n"
                                                  "    memory: 4M\n"
                                                  "    base: 0x80000000\n"
                                                  "    vcpus: 2\n"
                                                  "    cores: [2, 3]\n"
                                                  "    priority: 9\n"
                                                  "    budget: {time_us: 3000, period_us: 10000}\n",
                             &sys);
    ASSERT_TRUE(errors.empty()) << errors[0];
    ASSERT_EQ(sys.vms.size(), 1u);
    const VmConfig& vm = sys.vms[0];
    EXPECT_EQ(vm.memory, 4u << 20);
    EXPECT_EQ(vm.base, 0x8000'0000u);
    EXPECT_EQ(vm.cores, (std::vector<unsigned>{2, 3}));
    EXPECT_EQ(vm.priority, 9u);
    EXPECT_EQ(vm.budget_us, 3000u);
    EXPECT_EQ(vm.period_us, 10000u);
}

TEST_F(SystemConfigTest, OneCoreNumberPlacesEveryVcpu) {
    SystemConfig sys;
    ASSERT_TRUE(
        load(std::string(kHead) + "  - {name: smp, image: guest.bin, memory: 2M, vcpus: 4, cores: 1}\n", &sys).empty());
    EXPECT_EQ(sys.vms[0].cores, (std::vector<unsigned>{1, 1, 1, 1}));
}

TEST_F(SystemConfigTest, EachMistakeIsNamedWithItsLine) {
    const auto errors = load(std::string(kHead) + "  - name: a\n"                              // 4
                                                  "    image: guest.bin\n"                     // 5
                                                  "    memory: 2X\n"                           // 6
                                                  "    vcpus: 300\n"                           // 7
                                                  "    cores: 1\n"                             // 8
                                                  "    base: 0x1000000\n"                      // 9
                                                  "    budget: {time_us: 5, period_us: 2}\n"); // 10
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    EXPECT_NE(all.find("6: vm 'a': memory must be a size such as 2M, 256M or 1G, not '2X'"), std::string::npos) << all;
    EXPECT_NE(all.find("7: vm 'a': vcpus must be between 1 and 256, not 300"), std::string::npos) << all;
    EXPECT_NE(all.find("9: vm 'a': base below 0x40000000 overlaps the virtual GIC and UART"), std::string::npos) << all;
    EXPECT_NE(all.find("10: vm 'a': budget of 5 us per 2 us cannot be met"), std::string::npos) << all;
}

TEST_F(SystemConfigTest, CoresMustMatchTheVcpus) {
    const auto errors =
        load(std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, vcpus: 3, cores: [1, 2]}\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0], "4: vm 'a': cores lists 2 cores for 3 vCPUs (one per vCPU, or one number for all)");
}

TEST_F(SystemConfigTest, BrokenYamlSaysWhere) {
    const auto errors = load("cores: 4\nvms: [\n  - name: x\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("not valid YAML"), std::string::npos) << errors[0];
}

TEST_F(SystemConfigTest, MoreThan256VcpusOnACoreAreRefused) {
    std::string text = kHead;
    text += "  - {name: a, image: guest.bin, memory: 2M, vcpus: 200, cores: 1}\n";
    text += "  - {name: b, image: guest.bin, memory: 2M, vcpus: 100, cores: 1}\n";
    const auto errors = load(text);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0], "5: vm 'b': core 1 would carry more than 256 vCPUs");
}

TEST(ParseSize, UnitsAndMistakes) {
    uint64_t v = 0;
    EXPECT_TRUE(parse_size("2M", v));
    EXPECT_EQ(v, 2u << 20);
    EXPECT_TRUE(parse_size("1G", v));
    EXPECT_EQ(v, 1u << 30);
    EXPECT_TRUE(parse_size("4096", v));
    EXPECT_EQ(v, 4096u);
    EXPECT_FALSE(parse_size("2 M", v));
    EXPECT_FALSE(parse_size("M", v));
    EXPECT_FALSE(parse_size("99999999999999G", v));
}

TEST_F(SystemConfigTest, PackedImageReadsBackAndCatchesCorruption) {
    SystemConfig sys;
    ASSERT_TRUE(load(std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, cores: 1, priority: 3}\n", &sys)
                    .empty());
    std::vector<uint8_t> hyp(8192, 0);
    std::memcpy(hyp.data() + 56, "ARM\x64", 4);
    const uint64_t image_size = 3ull * 4096;
    std::memcpy(hyp.data() + tessera::sysimg::IMAGE_SIZE_FIELD, &image_size, 8);
    std::vector<uint8_t> image = pack_system(sys, hyp);
    EXPECT_EQ(image.size() % 4096, 0u);
    const std::string text = inspect_image(image);
    EXPECT_NE(text.find("a: 2.0 MiB at IPA 0x40000000, 1 vCPU on core 1, priority 3"), std::string::npos) << text;
    image[image_size + 100] ^= 1; // inside the first VM record
    EXPECT_THROW(inspect_image(image), std::runtime_error);
}

} // namespace

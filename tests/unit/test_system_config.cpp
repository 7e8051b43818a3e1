// test_system_config.cpp — the system file: what it accepts, and each mistake named with its line.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "fake_hypervisor.hpp"
#include "system_config.hpp"
#include "system_image.hpp"
#include "system_pack.hpp"
#include "vm_dtb.hpp"

#include <cstdio>
#include <libfdt.h>

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

using tessera::test::FAKE_HYP_SIZE;
using tessera::test::fake_hypervisor;

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
    EXPECT_NE(all.find("7: vm 'a': vcpus must be between 1 and 123, not 300"), std::string::npos) << all;
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
    text += "  - {name: a, image: guest.bin, memory: 2M, vcpus: 123, cores: 1}\n";
    text += "  - {name: b, image: guest.bin, memory: 2M, vcpus: 123, cores: 1}\n";
    text += "  - {name: c, image: guest.bin, memory: 2M, vcpus: 11, cores: 1}\n";
    text += "  - {name: d, image: guest.bin, memory: 2M, vcpus: 124, cores: 2}\n";
    const auto errors = load(text);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0], "6: vm 'c': core 1 would carry more than 256 vCPUs");
    EXPECT_EQ(errors[1], "7: vm 'd': vcpus must be between 1 and 123, not 124");
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

TEST_F(SystemConfigTest, SveIsAVectorLengthInWholeGranules) {
    SystemConfig sys;
    ASSERT_TRUE(
        load(std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, cores: 1, sve: 512}\n", &sys).empty());
    EXPECT_EQ(sys.vms[0].sve_bits, 512u);
    const std::vector<uint8_t> hyp = fake_hypervisor();
    std::vector<ConfigError> errors;
    const std::string text = inspect_image(pack_system(sys, hyp, errors));
    EXPECT_NE(text.find("priority 0, SVE 512-bit"), std::string::npos) << text;

    const std::string vm = "  - name: a\n    image: guest.bin\n    memory: 2M\n    cores: 1\n";
    EXPECT_EQ(
        load(std::string(kHead) + vm + "    sve: 200\n"),
        (std::vector<std::string>{"8: vm 'a': sve must be a multiple of 128 bits (e.g. 128, 256, 512), not 200"}));
    EXPECT_EQ(load(std::string(kHead) + vm + "    sve: 4096\n"),
              (std::vector<std::string>{
                  "8: vm 'a': sve (the vector length in bits) must be between 128 and 2048, not 4096"}));
    EXPECT_EQ(
        load(std::string(kHead) + vm + "    sve: yes\n"),
        (std::vector<std::string>{"8: vm 'a': sve (the vector length in bits) must be a whole number, not 'yes'"}));
}

TEST_F(SystemConfigTest, FirmwareGuestsAndFlashRegions) {
    std::ofstream(dir_ / "env.bin") << std::string(8192, 'e');
    SystemConfig sys;
    const auto ok = load(std::string(kHead) + "  - name: fw\n"
                                              "    image: guest.bin\n"
                                              "    device_tree: true\n"
                                              "    memory: 64M\n"
                                              "    cores: 1\n"
                                              "    flash: {base: 0x04000000, size: 256K, image: env.bin}\n",
                         &sys);
    ASSERT_TRUE(ok.empty()) << ok[0];
    EXPECT_TRUE(sys.vms[0].device_tree);
    EXPECT_EQ(sys.vms[0].flash_base, 0x0400'0000u);
    EXPECT_EQ(sys.vms[0].flash_size, 256u << 10);
    const std::vector<uint8_t> hyp = fake_hypervisor();
    std::vector<ConfigError> errors;
    const std::string text = inspect_image(pack_system(sys, hyp, errors));
    EXPECT_NE(text.find("image  5 bytes, device tree "), std::string::npos) << text;
    EXPECT_NE(text.find(", flash 0.2 MiB at 0x4000000 (read-only) from 8192 bytes"), std::string::npos) << text;

    const std::string vm = "  - name: fw\n    image: guest.bin\n    memory: 64M\n    cores: 1\n";
    auto error_of = [&](const std::string& extra) {
        const auto e = load(std::string(kHead) + vm + extra);
        return e.empty() ? std::string() : e[0];
    };
    EXPECT_EQ(error_of("    flash: {base: 0x04000100, size: 256K}\n"),
              "8: vm 'fw': flash base and size must be whole 4 KiB pages");
    EXPECT_EQ(error_of("    flash: {base: 0x07f00000, size: 2M}\n"),
              "8: vm 'fw': flash ends beyond 0x8000000 (the board's flash window, below the GIC)");
    EXPECT_EQ(error_of("    flash: {base: 0x40000000, size: 4K}\n"),
              "8: vm 'fw': flash base must be between 0 and 134217727, not 1073741824");
    EXPECT_EQ(error_of("    flash: {base: 0, size: 4K, image: env.bin}\n"),
              "8: vm 'fw': flash image 'env.bin' (8192 bytes) is larger than its 4 KiB flash");
    EXPECT_EQ(error_of("    flash: {size: 4K}\n"),
              "8: vm 'fw': flash needs base: and size: (and optionally image:, writable:)");
    EXPECT_EQ(error_of("    device_tree: maybe\n"), "8: vm 'fw': device_tree must be true or false, not 'maybe'");
    EXPECT_EQ(error_of("    mte: 2\n"), "8: vm 'fw': mte must be true or false, not '2'");
}

// scrub: lazy (the default: each 2 MiB of RAM on first touch) or eager
// (all of it before the VM runs), carried in the image's VM flags and shown
// by inspect; anything else is an error on its line.
TEST_F(SystemConfigTest, ScrubIsLazyUnlessAVmAsksForEager) {
    SystemConfig sys;
    const auto ok = load(std::string(kHead) + "  - {name: rt, image: guest.bin, memory: 4M, cores: 1, scrub: eager}\n"
                                              "  - {name: gp, image: guest.bin, memory: 4M, cores: 2}\n"
                                              "  - {name: gq, image: guest.bin, memory: 4M, cores: 3, scrub: lazy}\n",
                         &sys);
    ASSERT_TRUE(ok.empty()) << ok[0];
    EXPECT_TRUE(sys.vms[0].scrub_eager);
    EXPECT_FALSE(sys.vms[1].scrub_eager);
    EXPECT_FALSE(sys.vms[2].scrub_eager);
    const std::vector<uint8_t> hyp = fake_hypervisor();
    std::vector<ConfigError> errors;
    const std::vector<uint8_t> image = pack_system(sys, hyp, errors);
    ASSERT_TRUE(errors.empty());
    const std::string text = inspect_image(image);
    const auto line_of = [&](const std::string& name) {
        const auto at = text.find("  " + name + ": ");
        return at == std::string::npos ? std::string() : text.substr(at, text.find('\n', at) - at);
    };
    EXPECT_NE(line_of("rt").find(", RAM scrubbed before it runs"), std::string::npos) << text;
    EXPECT_EQ(line_of("gp").find("scrubbed"), std::string::npos) << text;
    EXPECT_EQ(line_of("gq").find("scrubbed"), std::string::npos) << text;
    EXPECT_EQ(load(std::string(kHead) + "  - name: a\n    image: guest.bin\n    memory: 4M\n    cores: 1\n"
                                        "    scrub: never\n"),
              (std::vector<std::string>{
                  "8: vm 'a': scrub must be lazy (on first touch) or eager (before it runs), not 'never'"}));
}

TEST_F(SystemConfigTest, ChannelsBetweenTwoVms) {
    const std::string vms = std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, cores: 1}\n"
                                                 "  - {name: b, image: guest.bin, memory: 2M, cores: 2}\n"
                                                 "channels:\n";
    SystemConfig sys;
    ASSERT_TRUE(load(vms + "  - {name: link, between: [a, b], size: 64K}\n", &sys).empty());
    ASSERT_EQ(sys.channels.size(), 1u);
    EXPECT_EQ(sys.channels[0].vm[0], 0u);
    EXPECT_EQ(sys.channels[0].vm[1], 1u);
    const std::vector<uint8_t> hyp = fake_hypervisor();
    std::vector<ConfigError> errors;
    const std::string text = inspect_image(pack_system(sys, hyp, errors));
    EXPECT_NE(text.find("channels: 1\n  link: a <-> b, 64 KiB at IPA 0x30000000, raw"), std::string::npos) << text;

    auto error_of = [&](const std::string& channel) {
        const auto e = load(vms + channel);
        return e.empty() ? std::string() : e[0];
    };
    EXPECT_EQ(error_of("  - {name: x, between: [a, c], size: 4K}\n"), "7: channel 'x': no VM is named 'c'");
    EXPECT_EQ(error_of("  - {name: x, between: [a, a], size: 4K}\n"), "7: channel 'x': connects vm 'a' to itself");
    EXPECT_EQ(error_of("  - {name: x, between: [a, b], size: 6000}\n"),
              "7: channel 'x': size must be whole 4 KiB pages, at most 2M");
    EXPECT_EQ(error_of("  - {name: x, between: [a, b], size: 4M}\n"),
              "7: channel 'x': size must be whole 4 KiB pages, at most 2M");
    EXPECT_EQ(error_of("  - {name: x, between: [a, b], size: 4K, kind: virtio-net}\n"),
              "7: channel 'x': a virtio-net channel has no shared memory (the hypervisor copies its frames): drop "
              "size:");
    EXPECT_EQ(error_of("  - {name: x, between: [a, b], kind: virtio-console}\n"),
              "7: channel 'x': a virtio-console channel joins a Linux VM (its console) and a bare-metal VM (which "
              "serves it)");
    EXPECT_EQ(error_of("  - {name: x, between: [a, b], kind: virtio-console, size: 8K}\n"),
              "7: channel 'x': a virtio-console channel needs at least 16K (a 4 KiB message each way)");
    EXPECT_EQ(error_of("  - {name: x, between: [a, b], kind: tcp}\n"),
              "7: channel 'x': kind must be raw, virtio-net or virtio-console, not 'tcp'");
    EXPECT_EQ(error_of("  - {name: x, between: [a, b]}\n"),
              "7: channel 'x': a raw channel needs size: (its shared memory, e.g. 64K)");
    EXPECT_EQ(error_of("  - {name: x, between: [a, b], size: 4K}\n  - {name: x, between: [b, a], size: 4K}\n"),
              "8: channel 'x': declared twice (first on line 7)");
    EXPECT_EQ(error_of("  - {name: x, between: [a], size: 4K}\n"),
              "7: channel 'x': between must name two VMs, e.g. [ping, pong]");
}

TEST_F(SystemConfigTest, VirtioNetChannelsGiveEachEndADeviceInItsTree) {
    const std::string vms = std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, cores: 1}\n"
                                                 "  - {name: b, image: guest.bin, memory: 2M, cores: 2}\n"
                                                 "  - {name: c, image: guest.bin, memory: 2M, cores: 3}\n"
                                                 "channels:\n"
                                                 "  - {name: raw, between: [a, c], size: 4K}\n"
                                                 "  - {name: ab, between: [a, b], kind: virtio-net}\n"
                                                 "  - {name: cb, between: [c, b], kind: virtio-net}\n";
    SystemConfig sys;
    ASSERT_TRUE(load(vms, &sys).empty());
    EXPECT_EQ(sys.virtio_devices(0), 1u); // a: ab (the raw one is not a device)
    EXPECT_EQ(sys.virtio_devices(1), 2u); // b: ab, cb
    EXPECT_EQ(sys.virtio_devices(2), 1u);
    const std::vector<uint8_t> hyp = fake_hypervisor();
    std::vector<ConfigError> errors;
    const std::string text = inspect_image(pack_system(sys, hyp, errors));
    EXPECT_NE(text.find("  ab: a <-> b, virtio-net (MAC 02:74:73:00:01:01 <-> 02:74:73:00:01:02)\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("  cb: c <-> b, virtio-net (MAC 02:74:73:00:02:01"), std::string::npos) << text;

    // A Linux VM's tree has one virtio,mmio node per virtio channel, where the hypervisor puts the device.
    LinuxVmSpec spec{"b", tessera::vplat::RAM_BASE, 64ull << 20, 1, "", 0, 2};
    const std::vector<uint8_t> dtb = build_vm_dtb(spec);
    for (unsigned j = 0; j < 2; ++j) {
        char path[40];
        const unsigned long long at = tessera::vplat::VIRTIO_BASE + uint64_t{j} * tessera::vplat::VIRTIO_SIZE;
        std::snprintf(path, sizeof path, "/virtio_mmio@%llx", at);
        const int node = fdt_path_offset(dtb.data(), path);
        ASSERT_GE(node, 0) << path;
        EXPECT_STREQ(static_cast<const char*>(fdt_getprop(dtb.data(), node, "compatible", nullptr)), "virtio,mmio");
        const auto* irq = static_cast<const uint32_t*>(fdt_getprop(dtb.data(), node, "interrupts", nullptr));
        ASSERT_NE(irq, nullptr);
        EXPECT_EQ(fdt32_to_cpu(irq[1]) + 32, tessera::vplat::VIRTIO_INTID + j);
    }
    EXPECT_LT(fdt_path_offset(dtb.data(), "/virtio_mmio@a000400"), 0);
}

/// Rewrites the description's CRC after a change, as an attacker who knows the format would.
void reseal(std::vector<uint8_t>& image) {
    tessera::sysimg::Header h{};
    std::memcpy(&h, image.data() + FAKE_HYP_SIZE, sizeof h);
    h.crc32 = tessera::sysimg::blob_crc(image.data() + FAKE_HYP_SIZE, h, crc32_of);
    std::memcpy(image.data() + FAKE_HYP_SIZE, &h, sizeof h);
}

TEST_F(SystemConfigTest, SignedImagesCheckEveryPartAndTheSigner) {
    SystemConfig sys;
    ASSERT_TRUE(load(std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, cores: 1}\n", &sys).empty());
    generate_key((dir_ / "keys").string());
    generate_key((dir_ / "other").string());
    EXPECT_THROW(generate_key((dir_ / "keys").string()), std::runtime_error); // never overwritten
    std::ofstream(dir_ / "not-a-key.pem") << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    try {
        const SigningKey bad((dir_ / "not-a-key.pem").string());
        ADD_FAILURE() << "a file that is no key was taken for one";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("not-a-key.pem: not a P-256 private key in PEM"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(fs::status(dir_ / "keys/tessera-key.pem").permissions() & fs::perms::others_read, fs::perms::none);
    const SigningKey key((dir_ / "keys/tessera-key.pem").string());
    const PublicKey other = read_public_key((dir_ / "other/tessera-key.pub.pem").string());
    const Signer signer{key, 7};
    std::vector<ConfigError> errors;
    const std::vector<uint8_t> image = pack_system(sys, fake_hypervisor(), errors, &signer);
    ASSERT_TRUE(errors.empty());
    const std::string text = inspect_image(image, &key.public_key());
    EXPECT_NE(text.find("signature: ECDSA P-256, valid; key fingerprint " + fingerprint(key.public_key()) +
                        "; security version 7\n"),
              std::string::npos)
        << text;
    // The header and records, the cores list and the image: three parts, each with its digest.
    EXPECT_NE(text.find("  part 0x0, "), std::string::npos) << text;
    const Digest guest = sha256(reinterpret_cast<const uint8_t*>("guest"), 5);
    EXPECT_NE(text.find("  part 0x2000, 5 bytes, SHA-256 " + hex(guest.data(), guest.size()) + "\n"), std::string::npos)
        << text;
    EXPECT_THROW(inspect_image(image, &other), std::runtime_error);

    auto refusal = [&](const std::vector<uint8_t>& bad) {
        try {
            (void)inspect_image(bad, &key.public_key());
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    // A byte of the guest's image changed, the CRC made to match again: its digest says so.
    std::vector<uint8_t> bad = image;
    bad[FAKE_HYP_SIZE + 0x2000 + 2] ^= 1;
    reseal(bad);
    EXPECT_EQ(refusal(bad), "the part at 0x2000 (5 bytes) does not match its signed digest");
    // The manifest changed (its security version): the signature says so.
    tessera::sysimg::Header h{};
    std::memcpy(&h, image.data() + FAKE_HYP_SIZE, sizeof h);
    const uint64_t manifest = FAKE_HYP_SIZE + h.total_size;
    bad = image;
    bad[manifest + offsetof(tessera::sysimg::ManifestHeader, security_version)] = 9;
    EXPECT_EQ(refusal(bad), "the signature does not verify: the manifest was changed after signing");
    bad = image;
    bad[bad.size() - 1] ^= 0x80; // the signature itself
    EXPECT_EQ(refusal(bad), "the signature does not verify: the manifest was changed after signing");
    // The signature removed (the header says unsigned): a board that wants a signer refuses it.
    bad = image;
    h.manifest_size = 0;
    std::memcpy(bad.data() + FAKE_HYP_SIZE, &h, sizeof h);
    reseal(bad);
    EXPECT_EQ(refusal(bad), "unsigned: the image has no signature");
    EXPECT_NE(inspect_image(bad).find("signature: none (UNSIGNED - development only)"), std::string::npos);
}

TEST_F(SystemConfigTest, PackedImageReadsBackAndCatchesCorruption) {
    SystemConfig sys;
    ASSERT_TRUE(load(std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, cores: 1, priority: 3}\n", &sys)
                    .empty());
    const std::vector<uint8_t> hyp = fake_hypervisor();
    std::vector<ConfigError> errors;
    std::vector<uint8_t> image = pack_system(sys, hyp, errors);
    ASSERT_TRUE(errors.empty());
    EXPECT_EQ(image.size() % 4096, 0u);
    const std::string text = inspect_image(image);
    EXPECT_NE(text.find("a: 2.0 MiB at IPA 0x40000000, 1 vCPU on core 1, priority 3"), std::string::npos) << text;
    image[FAKE_HYP_SIZE + 100] ^= 1; // inside the first VM record
    EXPECT_THROW(inspect_image(image), std::runtime_error);
}

// Hostile numbers and shapes are errors at their line, never a crash or a
// wrapped sum: a list as a key, sizes whose sum wraps, an empty image, a
// kernel header whose text_offset is near 2^64; and an image whose packed
// offsets point past its end is refused by inspect.
TEST_F(SystemConfigTest, HostileNumbersAndShapesAreErrorsNotCrashes) {
    auto errors = load(std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, cores: 1, ? [x, y] : z}\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0], "4: vm 'a': a key that is not a name");

    errors = load(std::string(kHead) + "  - {name: a, image: guest.bin, memory: 256M, cores: 1}\n"
                                       "  - {name: b, image: guest.bin, memory: 17179869183G, cores: 2}\n");
    ASSERT_FALSE(errors.empty());
    EXPECT_NE(errors[0].find("5: vm 'b'"), std::string::npos) << errors[0];

    std::ofstream(dir_ / "empty.bin").flush();
    errors = load(std::string(kHead) + "  - {name: a, image: empty.bin, memory: 2M, cores: 1}\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0], "4: vm 'a': image 'empty.bin' is empty");

    std::string kernel(4096, '\0');
    const uint64_t huge = ~0ull - (1ull << 20);
    std::memcpy(kernel.data() + 8, &huge, 8); // text_offset
    std::memcpy(kernel.data() + 56, "ARM\x64", 4);
    std::ofstream(dir_ / "wrap.img") << kernel;
    errors = load(std::string(kHead) + "  - {name: a, linux: {kernel: wrap.img}, memory: 64M, cores: 1}\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("has a header whose text_offset"), std::string::npos) << errors[0];
}

TEST_F(SystemConfigTest, APackedOffsetPastTheEndIsRefusedNotFollowed) {
    SystemConfig sys;
    ASSERT_TRUE(load(std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, cores: 1}\n", &sys).empty());
    std::vector<ConfigError> errors;
    std::vector<uint8_t> image = pack_system(sys, fake_hypervisor(), errors);
    ASSERT_TRUE(errors.empty());
    for (const uint64_t at : {uint64_t{~0ull - 8}, uint64_t{~0ull / 2}, uint64_t{image.size()}}) {
        std::vector<uint8_t> bad = image;
        std::memcpy(bad.data() + tessera::sysimg::IMAGE_RES2_FIELD, &at, 8);
        EXPECT_THROW(inspect_image(bad), std::runtime_error) << at;
    }
}

/// An arm64 Image of `file_size` bytes whose header says it takes `image_size` once running.
std::string fake_kernel(uint64_t image_size, size_t file_size = 4096) {
    std::string k(file_size, '\0');
    std::memcpy(k.data() + 16, &image_size, 8);
    std::memcpy(k.data() + 56, "ARM\x64", 4);
    return k;
}

TEST_F(SystemConfigTest, AKernelThatIsNotAnArm64ImageIsNamedAtItsLine) {
    std::ofstream(dir_ / "short.img") << "too short";
    const auto errors = load(std::string(kHead) + "  - name: a\n"             // 4
                                                  "    linux:\n"              // 5
                                                  "      kernel: guest.bin\n" // 6: 5 bytes
                                                  "    memory: 64M\n"
                                                  "    cores: 1\n"
                                                  "  - name: b\n" // 9
                                                  "    memory: 64M\n"
                                                  "    cores: 2\n"
                                                  "    linux: {kernel: bad.img}\n"); // 12
    std::ofstream(dir_ / "bad.img") << std::string(100, 'x');
    // bad.img is written after the load above: only guest.bin is checked so far.
    ASSERT_EQ(errors.size(), 2u) << errors[0];
    EXPECT_EQ(errors[0], "6: vm 'a': kernel 'guest.bin' is not an arm64 Image (5 bytes, shorter than the 64-byte "
                         "Image header)");
    EXPECT_EQ(errors[1], "12: vm 'b': kernel 'bad.img' not found (next to the system file or in the search path)");
    const auto again = load(std::string(kHead) + "  - {name: b, memory: 64M, cores: 2, linux: {kernel: bad.img}}\n");
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0], "4: vm 'b': kernel 'bad.img' is not an arm64 Image (no \"ARM\\x64\" magic at offset 56 of its "
                        "header)");
}

TEST_F(SystemConfigTest, AVmTooSmallForLinuxSaysTheMinimum) {
    // 30 MiB once running, a 3 MiB initramfs: device tree 2 MiB, kernel to
    // 32 MiB, the initramfs in the 4 MiB (2 MiB aligned) above: 36 MiB.
    std::ofstream(dir_ / "Image") << fake_kernel(30ull << 20);
    std::ofstream(dir_ / "initrd") << std::string(3 << 20, 'i');
    const std::string vm = "    linux: {kernel: Image, initrd: initrd}\n    cores: 1\n";
    auto with_memory = [&](const std::string& memory) {
        return load(std::string(kHead) + "  - name: a\n" + vm + "    memory: " + memory + "\n"); // memory: line 7
    };
    const auto errors = with_memory("32M");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0], "7: vm 'a': 32 MiB of memory is too small for its kernel, device tree and initramfs; it needs "
                         "at least 36 MiB");
    EXPECT_EQ(with_memory("36M").size(), 0u);
    EXPECT_EQ(with_memory("35M").size(), 1u);
    // A small kernel still gets the 16 MiB a Linux VM is always given.
    std::ofstream(dir_ / "Image") << fake_kernel(1ull << 20);
    const auto small = load(std::string(kHead) + "  - {name: a, linux: {kernel: Image}, cores: 1, memory: 2M}\n");
    ASSERT_EQ(small.size(), 1u);
    EXPECT_EQ(small[0],
              "4: vm 'a': 2 MiB of memory is too small for its kernel and device tree; it needs at least 16 MiB");
}

TEST_F(SystemConfigTest, ABareImageLargerThanItsMemoryIsRefused) {
    std::ofstream(dir_ / "big.bin") << std::string(5000, 'g');
    const auto errors = load(std::string(kHead) + "  - {name: a, image: big.bin, cores: 1, memory: 4K}\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0], "4: vm 'a': 4 KiB of memory is too small for its image of 5000 bytes");
}

TEST_F(SystemConfigTest, EveryMistakeIsReportedAtOnce) {
    std::ofstream(dir_ / "Image") << fake_kernel(30ull << 20);
    const auto errors = load(std::string(kHead) + "  - {name: a, linux: {kernel: guest.bin}, cores: 1, memory: 64M}\n"
                                                  "  - {name: b, linux: {kernel: Image}, cores: 9, memory: 16M}\n"
                                                  "  - {name: c, image: guest.bin, cores: 1, memory: 2M}\n"
                                                  "  - {name: d, linux: {kernel: Image}, cores: 2, memory: 20M}\n");
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    EXPECT_EQ(errors.size(), 4u) << all;
    EXPECT_NE(all.find("4: vm 'a': kernel 'guest.bin' is not an arm64 Image"), std::string::npos) << all;
    EXPECT_NE(all.find("5: vm 'b': core 9 does not exist"), std::string::npos) << all;
    EXPECT_NE(all.find("5: vm 'b': 16 MiB of memory is too small"), std::string::npos) << all;
    EXPECT_NE(
        all.find("7: vm 'd': 20 MiB of memory is too small for its kernel and device tree; it needs at least 32 MiB"),
        std::string::npos)
        << all;
}

TEST_F(SystemConfigTest, CountsAreSingularForOne) {
    const auto errors = load("cores: 1\nvms:\n  - {name: a, image: guest.bin, memory: 2M, vcpus: 2, cores: [0]}\n"
                             "  - {name: b, image: guest.bin, memory: 2M, cores: 3}\n");
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0], "3: vm 'a': cores lists 1 core for 2 vCPUs (one per vCPU, or one number for all)");
    EXPECT_EQ(errors[1], "4: vm 'b': core 3 does not exist (the board has 1 core, core 0)");
    EXPECT_EQ(count_of(1, "vCPU"), "1 vCPU");
    EXPECT_EQ(count_of(0, "error"), "0 errors");
    EXPECT_EQ(size_text(2u << 20), "2 MiB");
    EXPECT_EQ(size_text(1), "1 byte");
}

} // namespace

namespace {

// on_failure: restart with its limits and defaults; each mistake named at its line.
TEST_F(SystemConfigTest, FailurePolicyAndItsMistakes) {
    SystemConfig sys;
    EXPECT_TRUE(load(std::string(kHead) + "  - {name: a, image: guest.bin, memory: 2M, cores: 1, on_failure: restart}\n"
                                          "  - name: b\n    image: guest.bin\n    memory: 2M\n    cores: 2\n"
                                          "    on_failure: restart\n    max_restarts: 7\n    restart_window_s: 10\n"
                                          "    restart_backoff_ms: 0\n"
                                          "  - {name: c, image: guest.bin, memory: 2M, cores: 3}\n",
                     &sys)
                    .empty());
    ASSERT_EQ(sys.vms.size(), 3u);
    EXPECT_EQ(sys.vms[0].on_failure, tessera::sysimg::FAILURE_RESTART);
    EXPECT_EQ(sys.vms[0].max_restarts, 3u); // the defaults
    EXPECT_EQ(sys.vms[0].restart_window_ms, 60'000u);
    EXPECT_EQ(sys.vms[0].restart_backoff_ms, 100u);
    EXPECT_EQ(sys.vms[1].max_restarts, 7u);
    EXPECT_EQ(sys.vms[1].restart_window_ms, 10'000u);
    EXPECT_EQ(sys.vms[1].restart_backoff_ms, 0u);
    EXPECT_EQ(sys.vms[2].on_failure, tessera::sysimg::FAILURE_STOP);
    EXPECT_EQ(sys.vms[2].max_restarts, 0u);

    const auto errors =
        load(std::string(kHead) +
             "  - {name: a, image: guest.bin, memory: 2M, cores: 1, on_failure: reboot}\n"
             "  - {name: b, image: guest.bin, memory: 2M, cores: 2, max_restarts: 3}\n"
             "  - {name: c, image: guest.bin, memory: 2M, cores: 3, on_failure: restart, max_restarts: 0}\n"
             "  - {name: d, image: guest.bin, memory: 2M, cores: 0, on_failure: failover}\n");
    ASSERT_EQ(errors.size(), 4u);
    EXPECT_EQ(errors[0], "4: vm 'a': on_failure must be stop, restart or failover, not 'reboot'");
    EXPECT_EQ(errors[1], "5: vm 'b': max_restarts applies only with on_failure: restart or failover");
    EXPECT_EQ(errors[2], "6: vm 'c': max_restarts must be between 1 and 1000000, not 0");
    EXPECT_EQ(errors[3], "7: vm 'd': on_failure: failover needs standby: (the VM that takes over)");
}

// A failover pair: the standby linked both ways and given its partner's
// limits; a standby that is not another VM, that has a policy of its own, or
// that is an endpoint of a channel, refused.
TEST_F(SystemConfigTest, FailoverPairsAndTheirMistakes) {
    SystemConfig sys;
    const std::string pair = std::string(kHead) +
                             "  - {name: client, image: guest.bin, memory: 2M, cores: 1}\n"
                             "  - {name: a, image: guest.bin, memory: 2M, cores: 2, on_failure: failover, standby: b,"
                             " max_restarts: 5}\n"
                             "  - {name: b, image: guest.bin, memory: 2M, cores: 3}\n"
                             "channels:\n  - {name: svc, between: [client, a], size: 16K}\n";
    ASSERT_TRUE(load(pair, &sys).empty());
    EXPECT_EQ(sys.vms[1].partner, 3u);
    EXPECT_EQ(sys.vms[2].partner, 2u);
    EXPECT_TRUE(sys.vms[2].is_standby);
    EXPECT_EQ(sys.vms[2].on_failure, tessera::sysimg::FAILURE_FAILOVER);
    EXPECT_EQ(sys.vms[2].max_restarts, 5u);

    const auto errors =
        load(std::string(kHead) +
             "  - {name: a, image: guest.bin, memory: 2M, cores: 1, on_failure: failover, standby: nobody}\n"
             "  - {name: b, image: guest.bin, memory: 2M, cores: 2, on_failure: failover, standby: c}\n"
             "  - {name: c, image: guest.bin, memory: 2M, cores: 3, on_failure: restart}\n"
             "  - {name: d, image: guest.bin, memory: 2M, cores: 0, on_failure: failover, standby: e}\n"
             "  - {name: e, image: guest.bin, memory: 2M, cores: 0}\n"
             "  - {name: f, image: guest.bin, memory: 2M, cores: 0, standby: e}\n"
             "channels:\n  - {name: to-standby, between: [a, e], size: 16K}\n");
    ASSERT_EQ(errors.size(), 4u);
    EXPECT_EQ(errors[0], "4: vm 'a': standby 'nobody' is not another VM of the system");
    EXPECT_EQ(errors[1], "5: vm 'b': standby 'c' has a failure policy or a partner already (a standby takes its "
                         "partner's)");
    EXPECT_EQ(errors[2], "9: vm 'f': standby: applies only with on_failure: failover");
    EXPECT_EQ(errors[3], "11: channel 'to-standby': vm 'e' is a standby: its partner's channels become its own on "
                         "failover");

    // The active VM's devices and virtio-net cables go with it: the standby
    // has a twin of each virtio device (its device tree lists as many), and
    // owns no device of its own.
    SystemConfig net;
    ASSERT_TRUE(load(std::string(kHead) +
                         "  - {name: client, image: guest.bin, memory: 2M, cores: 1}\n"
                         "  - {name: a, image: guest.bin, memory: 2M, cores: 2, devices: [rtc], on_failure: failover,"
                         " standby: b}\n"
                         "  - {name: b, image: guest.bin, memory: 2M, cores: 3}\n"
                         "channels:\n  - {name: lan, between: [a, client], kind: virtio-net}\n",
                     &net)
                    .empty());
    EXPECT_EQ(net.virtio_devices(1), 1u);
    EXPECT_EQ(net.virtio_devices(2), 1u); // the twin
    const auto owned = load(std::string(kHead) +
                            "  - {name: a, image: guest.bin, memory: 2M, cores: 2, on_failure: failover, standby: b}\n"
                            "  - {name: b, image: guest.bin, memory: 2M, cores: 3, devices: [rtc]}\n");
    ASSERT_EQ(owned.size(), 1u);
    EXPECT_EQ(owned[0], "4: vm 'a': standby 'b' owns devices: a standby owns none (it takes its partner's over)");
}

} // namespace

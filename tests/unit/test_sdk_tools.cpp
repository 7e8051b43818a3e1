// test_sdk_tools.cpp — the SDK's small parts: the arm64 Image header, the Linux VM's least memory, depfiles, finding
// its files.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "arm64_image.hpp"
#include "depfile.hpp"
#include "sdk_paths.hpp"

namespace {

using namespace tessera::sdk;
namespace fs = std::filesystem;
constexpr uint64_t MiB = 1ull << 20;

TEST(Arm64Image, ReadsTheHeaderOrSaysWhyNot) {
    std::vector<uint8_t> header(64, 0);
    const uint64_t text_offset = 0x80000;
    const uint64_t image_size = 33'619'968;
    std::memcpy(header.data() + 8, &text_offset, 8);
    std::memcpy(header.data() + 16, &image_size, 8);
    Arm64Header h;
    EXPECT_EQ(read_arm64_header(header.data(), header.size(), h),
              "not an arm64 Image (no \"ARM\\x64\" magic at offset 56 of its header)");
    std::memcpy(header.data() + 56, "ARM\x64", 4);
    EXPECT_EQ(read_arm64_header(header.data(), header.size(), h), "");
    EXPECT_EQ(h.text_offset, text_offset);
    EXPECT_EQ(h.image_size, image_size);
    EXPECT_EQ(read_arm64_header(header.data(), 63, h),
              "not an arm64 Image (63 bytes, shorter than the 64-byte Image header)");
}

TEST(Arm64Image, LeastMemoryFollowsTheHypervisorsLayout) {
    // Debian's 6.1 kernel: 32.06 MiB once running; a 0.94 MiB initramfs takes
    // the top 2 MiB: 2 + 32.06 + 2 = 36.06 MiB.
    const Arm64Header debian{0, 33'619'968};
    EXPECT_EQ(linux_min_memory(debian, 32'956'352, 986'551), 2 * MiB + 33'619'968 + 2 * MiB);
    EXPECT_EQ(linux_min_memory(debian, 32'956'352, 0), 2 * MiB + 33'619'968);
    // text_offset moves the kernel up; a file larger than its image_size counts as its file.
    EXPECT_EQ(linux_min_memory({0x80000, 20 * MiB}, 1000, 0), 2 * MiB + 0x80000 + 20 * MiB);
    EXPECT_EQ(linux_min_memory({0, 0}, 20 * MiB, 0), 22 * MiB);
    // Never below the 16 MiB every Linux VM gets; the initramfs above 4 MiB.
    EXPECT_EQ(linux_min_memory({0, MiB}, MiB, 0), 16 * MiB);
    EXPECT_EQ(linux_min_memory({0, MiB}, MiB, 20 * MiB), 24 * MiB);
}

TEST(Depfile, NamesEveryInputWithAnEmptyRuleEach) {
    EXPECT_EQ(make_depfile("build/demo.img", {"configs/demo/system.yaml", "/x/tessera.bin"}),
              "build/demo.img: \\\n  configs/demo/system.yaml \\\n  /x/tessera.bin\n"
              "\nconfigs/demo/system.yaml:\n"
              "\n/x/tessera.bin:\n");
    EXPECT_EQ(make_depfile("a b.img", {"c#$d"}), "a\\ b.img: \\\n  c\\#$$d\n\nc\\#$$d:\n");
}

TEST(SdkPaths, TheBuildTreeFirstThenTheInstallation) {
    const fs::path root = fs::temp_directory_path() / ("tessera-paths-" + std::to_string(::getpid()));
    const fs::path bin = root / "bin";
    fs::create_directories(bin);
    fs::create_directories(root / "share/tessera");
    const BuildTree tree{root / "build/sdk", root / "build/aarch64/tessera.bin", root / "build/runner/run"};
    // Installed: the build tree is never looked at.
    const auto hyp = hypervisor_candidates(bin, tree);
    ASSERT_EQ(hyp.size(), 2u);
    EXPECT_EQ(hyp[0], root / "share/tessera/tessera.bin");
    EXPECT_EQ(hyp[1], bin / "tessera.bin");
    EXPECT_EQ(runner_candidates(bin, tree)[0], root / "libexec/tessera/tessera-qemu-run");
    EXPECT_EQ(first_existing(hyp), "");
    EXPECT_EQ(not_found("hypervisor image", hyp),
              "no hypervisor image found; looked in:\n  " + hyp[0].string() + "\n  " + hyp[1].string());
    std::ofstream(bin / "tessera.bin") << "x";
    EXPECT_EQ(first_existing(hyp), (bin / "tessera.bin").string());
    std::ofstream(root / "share/tessera/tessera.bin") << "x";
    EXPECT_EQ(first_existing(hyp), (root / "share/tessera/tessera.bin").string());
    // Run from the build tree: its own target build first.
    const auto built = hypervisor_candidates(root / "build/x/../sdk", tree);
    ASSERT_EQ(built.size(), 3u);
    EXPECT_EQ(built[0], tree.hypervisor);
    EXPECT_EQ(runner_candidates(root / "build/sdk", tree)[0], tree.runner);
    fs::remove_all(root);
}

} // namespace

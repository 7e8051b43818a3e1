// test_layout_fuzz.cpp — random and hostile Linux images and device trees: every VM the boot accepts has every byte it
// loads inside its own RAM.
//
// A fixed seed keeps it repeatable; the values mix the ordinary with the
// edges an attacker would try (near 2^64, near the end of RAM, zero).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

extern "C" {
#include <libfdt.h>
}

#include "fake_system.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
using tessera::test::VmSpec;

namespace {

constexpr u64 RAM = 4 * MiB;

/// One of the values an Image header or a device tree might hold.
u64 pick(std::mt19937_64& rng, u64 ram_top) {
    const u64 edges[] = {0,
                         1,
                         4096,
                         2 * MiB,
                         RAM - 4096,
                         RAM,
                         RAM + 4096,
                         ram_top - 4096,
                         ram_top,
                         ~0ull,
                         ~0ull - 2 * MiB + 1,
                         ~0ull - 4095,
                         1ull << 63,
                         1ull << 39};
    if (rng() % 3 == 0) return rng(); // anything at all
    return edges[rng() % (sizeof edges / sizeof edges[0])] + (rng() % 2 == 0 ? 0 : (rng() % 8192));
}

TEST(LayoutFuzz, EveryAcceptedVmLoadsOnlyIntoItsOwnRam) {
    std::mt19937_64 rng(20261127);
    const u64 base = FakeSystem::RAM_IPA;
    unsigned accepted = 0, refused = 0;
    for (int round = 0; round < 400; ++round) {
        // A kernel: header values picked, the file a few pages.
        std::vector<u8> kernel(64 + rng() % (3 * PAGE_SIZE), 0);
        // Half the rounds plausible (a loader's values), half hostile.
        const bool plausible = rng() % 2 == 0;
        const u64 text_offset = plausible ? rng() % (64 * KiB) : pick(rng, RAM);
        const u64 image_size = plausible ? kernel.size() + rng() % (256 * KiB) : pick(rng, RAM);
        std::memcpy(&kernel[8], &text_offset, 8);
        std::memcpy(&kernel[16], &image_size, 8);
        std::memcpy(&kernel[56], "ARM\x64", 4);
        // A device tree placing an initramfs somewhere.
        std::vector<u8> dtb(4096);
        fdt_create_empty_tree(dtb.data(), static_cast<int>(dtb.size()));
        const int chosen = fdt_add_subnode(dtb.data(), 0, "chosen");
        const u64 initrd_start = plausible ? base + 2 * MiB + rng() % (2 * MiB) : pick(rng, base + RAM);
        fdt_setprop_u64(dtb.data(), chosen, "linux,initrd-start", initrd_start);
        const std::vector<u8> initrd(1 + rng() % (2 * PAGE_SIZE), 0x5a);

        VmSpec spec{"linux", {1}};
        spec.ram = RAM;
        spec.image = {kernel.data(), kernel.data() + kernel.size()};
        spec.dtb = {dtb.data(), dtb.data() + dtb.size()};
        spec.initrd = {initrd.data(), initrd.data() + initrd.size()};
        FakeSystem sys({spec, VmSpec{"bystander", {2}}});
        // A refused VM is stopped alone: the other one runs either way.
        ASSERT_EQ(sys.vm(1).state, VmState::running) << round;
        if (sys.vm(0).state == VmState::failed) {
            ++refused;
        } else {
            const Vm& vm = sys.vm(0);
            const u64 k = vm.kernel_ipa.raw() - base, i = vm.initrd_ipa.raw() - base;
            const u64 k_size = std::max<u64>(kernel.size(), image_size);
            ASSERT_GE(vm.kernel_ipa.raw(), base) << round;
            ASSERT_LE(k, RAM) << round;
            ASSERT_LE(k_size, RAM - k) << round;
            ASSERT_GE(vm.initrd_ipa.raw(), base) << round;
            ASSERT_LE(i, RAM) << round;
            ASSERT_LE(initrd.size(), RAM - i) << round;
            ASSERT_TRUE(i >= k + k_size || i + initrd.size() <= k) << round; // clear of the kernel
            ASSERT_GE(i, dtb.size()) << round;                               // and of the device tree
            ++accepted;
        }
    }
    // Both outcomes must actually occur, or the generator tests nothing.
    EXPECT_GT(accepted, 40u);
    EXPECT_GT(refused, 40u);
    std::printf("layout fuzz: %u accepted, %u refused\n", accepted, refused);
}

} // namespace

// test_vm_layout.cpp — where a Linux VM's kernel, device tree and initramfs go, and that no header or device-tree value
// can put them outside its RAM.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

extern "C" {
#include <libfdt.h>
}

#include "fake_system.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
using tessera::test::VmSpec;

namespace {

/// An arm64 Image of `file` bytes whose header says `text_offset` and `image_size`.
std::vector<u8> kernel(u64 file, u64 text_offset, u64 image_size) {
    std::vector<u8> k(file, 0);
    if (file >= 64) {
        std::memcpy(&k[8], &text_offset, 8);
        std::memcpy(&k[16], &image_size, 8);
        std::memcpy(&k[56], "ARM\x64", 4);
    }
    return k;
}

/// A device tree whose /chosen says the initramfs starts at `initrd_start` (0: none).
std::vector<u8> device_tree(u64 initrd_start) {
    std::vector<u8> t(4096);
    EXPECT_EQ(fdt_create_empty_tree(t.data(), static_cast<int>(t.size())), 0);
    const int chosen = fdt_add_subnode(t.data(), 0, "chosen");
    if (initrd_start != 0) {
        EXPECT_EQ(fdt_setprop_u64(t.data(), chosen, "linux,initrd-start", initrd_start), 0);
    }
    return t;
}

Blob blob(const std::vector<u8>& v) { return {v.data(), v.data() + v.size()}; }

/// Why the boot refused a VM (its log line, without "refused at boot: "), or
/// "" if it runs; the boot never stops another VM or the board for it.
std::string refusal(const char* name, const VmSpec& spec) {
    FakeSystem sys({spec, VmSpec{"bystander", {2}}});
    EXPECT_EQ(sys.vm(1).state, VmState::running);
    if (sys.vm(0).state != VmState::failed) return "";
    const std::string log = FakeSystem::console();
    const std::string said = std::string("vm ") + name + ": refused at boot: ";
    const size_t at = log.find(said);
    if (at == std::string::npos) return "refused without saying why";
    return std::string("vm ") + name + ": " + log.substr(at + said.size(), log.find('\r', at) - at - said.size());
}

/// Creates one Linux VM of `ram` bytes beside another VM; why the boot refused it, or "".
std::string create(const std::vector<u8>& k, const std::vector<u8>& dtb, const std::vector<u8>& initrd,
                   u64 ram = 8 * MiB) {
    VmSpec spec{"linux", {1}};
    spec.ram = ram;
    spec.image = blob(k);
    spec.dtb = blob(dtb);
    if (!initrd.empty()) spec.initrd = blob(initrd);
    return refusal("linux", spec);
}

// With every VM refused there is nothing to run: the board says so and powers off.
TEST(VmLayout, WhenEveryVmIsRefusedTheBoardSaysSoAndPowersOff) {
    const std::vector<u8> initrd(4096, 0x5a);
    VmSpec spec{"bare", {1}};
    spec.initrd = {initrd.data(), initrd.data() + initrd.size()};
    EXPECT_THROW(FakeSystem({spec}), arch::fake::PoweredOff);
    EXPECT_NE(FakeSystem::console().find("1 of 1 VMs failed; powering off"), std::string::npos)
        << FakeSystem::console();
}

TEST(VmLayout, AKernelLandsTwoMegabytesUpPlusItsTextOffset) {
    const auto k = kernel(8192, 0x1000, 16384);
    const auto dtb = device_tree(0);
    VmSpec spec{"linux", {1}};
    spec.ram = 8 * MiB;
    spec.image = blob(k);
    spec.dtb = blob(dtb);
    FakeSystem sys({spec});
    Vm& vm = sys.vm(0);
    EXPECT_EQ(vm.kernel_ipa.raw(), FakeSystem::RAM_IPA + 2 * MiB + 0x1000);
    EXPECT_EQ(vm.dtb_ipa.raw(), FakeSystem::RAM_IPA);
    const auto* ram = vm_ram_at(vm, vm.ram.base.raw(), vm.ram.size); // (as its guest sees it: filled first)
    EXPECT_EQ(std::memcmp(ram + 2 * MiB + 0x1000, k.data(), k.size()), 0);
    EXPECT_EQ(std::memcmp(ram, dtb.data(), 64), 0);
}

TEST(VmLayout, ATextOffsetNearTwoToTheSixtyFourDoesNotWrapIntoAnotherVm) {
    // Escape 1 of the attack campaign: 2 MiB + text_offset wrapped to an
    // address below the VM's RAM, and only the upper bound was checked.
    EXPECT_EQ(create(kernel(4096, ~0ull - 2 * MiB + 1 - 0x1000, 4096), device_tree(0), {}),
              "vm linux: kernel and device tree do not fit in its memory");
}

TEST(VmLayout, AnImageSizeThatUnderstatesTheFileCannotOverrunRam) {
    // Escape 2: the layout was checked with image_size, the copy used the file.
    EXPECT_EQ(create(kernel(7 * MiB, 0, 4096), device_tree(0), {}, 8 * MiB),
              "vm linux: kernel and device tree do not fit in its memory");
}

TEST(VmLayout, AnInitramfsWithoutADeviceTreeIsRefused) {
    // It was copied to the VM's RAM base minus its IPA: below its RAM.
    const std::vector<u8> initrd(4096, 0x5a);
    VmSpec spec{"bare", {1}};
    spec.initrd = {initrd.data(), initrd.data() + initrd.size()};
    EXPECT_EQ(refusal("bare", spec), "vm bare: an initramfs without a device tree");
}

TEST(VmLayout, ADeviceTreeLargerThanItsBytesGivesNoInitramfsAddress) {
    // The tree's header claims more than the record holds: not read past it.
    auto dtb = device_tree(FakeSystem::RAM_IPA + 6 * MiB);
    EXPECT_NE(linux_initrd_address(dtb.data(), dtb.size()).raw(), 0u);
    EXPECT_EQ(linux_initrd_address(dtb.data(), 64).raw(), 0u);
}

TEST(VmLayout, AKernelTooShortForItsHeaderOrWithoutTheMagicIsRefused) {
    EXPECT_EQ(create(kernel(1, 0, 0), device_tree(0), {}), "vm linux: its kernel is not an arm64 Image");
    auto k = kernel(4096, 0, 4096);
    k[56] = 'X';
    EXPECT_EQ(create(k, device_tree(0), {}), "vm linux: its kernel is not an arm64 Image");
}

TEST(VmLayout, AnInitramfsMustLieInRamClearOfTheKernelWhateverTheDeviceTreeSays) {
    const auto k = kernel(8192, 0, 65536);
    const std::vector<u8> initrd(8192, 0x5a);
    // Escape 3: linux,initrd-start near 2^64 made the range's end wrap.
    EXPECT_NE(create(k, device_tree(~0ull - 4095), initrd).find("initramfs"), std::string::npos);
    EXPECT_NE(create(k, device_tree(FakeSystem::RAM_IPA + 2 * MiB + 4096), initrd).find("initramfs"),
              std::string::npos); // on the kernel
    EXPECT_NE(create(k, device_tree(FakeSystem::RAM_IPA - 4096), initrd).find("initramfs"),
              std::string::npos); // below RAM
    EXPECT_NE(create(k, device_tree(FakeSystem::RAM_IPA + 8 * MiB - 4096), initrd).find("initramfs"),
              std::string::npos);                                                 // past its end
    EXPECT_EQ(create(k, device_tree(FakeSystem::RAM_IPA + 6 * MiB), initrd), ""); // where the SDK puts it
}

} // namespace

namespace {

/// Counts, per byte of `vm`'s RAM, how often the fake machine saw it cleaned to the point of coherency.
std::vector<unsigned> cleaned_per_byte(Vm& vm) {
    std::vector<unsigned> n(vm.ram.size, 0);
    const auto base = reinterpret_cast<u64>(arch::phys_to_ptr(vm.ram_pa));
    for (const auto& c : arch::fake::machine().cleaned) {
        for (u64 a = c.at; a < c.at + c.size; ++a) {
            if (a >= base && a < base + vm.ram.size) ++n[a - base];
        }
    }
    return n;
}

} // namespace

// A reload (a restart; the boot runs the same code) writes each byte of a
// Linux VM's RAM once, whatever the last run left there: its kernel, device
// tree and initramfs where they go, zeros everywhere else; and cleans each
// byte to the point of coherency exactly once, the images' included (its
// vCPUs start with their caches off). Ragged ends on purpose. Scrubbed
// eagerly, all of it before vCPU 0 runs; lazily, none of it until it is
// touched (the last run's bytes still there, unmapped), then the same.
TEST(VmLayout, AReloadWritesAndCleansEveryByteOfRamOnce) {
    for (const bool eager : {true, false}) {
        SCOPED_TRACE(eager ? "scrubbed eagerly" : "scrubbed on first touch");
        auto k = kernel(8192 + 100, 0x1000, 65536);
        for (usize i = 64; i < k.size(); ++i) k[i] = 0x77;
        const u64 initrd_at = 6 * MiB + 24;
        const auto dtb = device_tree(FakeSystem::RAM_IPA + initrd_at);
        const std::vector<u8> initrd(5003, 0x5a);
        VmSpec spec{"linux", {1}};
        spec.ram = 8 * MiB;
        spec.image = blob(k);
        spec.dtb = blob(dtb);
        spec.initrd = blob(initrd);
        spec.scrub_eager = eager;
        FakeSystem sys({spec});
        Vm& vm = sys.vm(0);
        auto* ram = vm_ram_at(vm, vm.ram.base.raw(), vm.ram.size);
        std::memset(ram, 0xab, vm.ram.size); // what its last run left
        arch::fake::machine().cleaned.clear();

        arch::fake::machine().core = 1;
        vm_reset(vm);
        arch::fake::machine().ticks += 1000;
        ASSERT_EQ(FakeSystem::run(1), &vm.vcpus[0]);
        if (!eager) {
            EXPECT_EQ(ram[0], 0xab); // not written yet, and unmapped
            EXPECT_EQ(ram[vm.ram.size - 1], 0xab);
            EXPECT_FALSE(vm.stage2.lookup(vm.ram.base).ok());
            EXPECT_FALSE(vm.stage2.lookup(vm.ram.base + (vm.ram.size - 1)).ok());
            EXPECT_EQ(vm_ram_at(vm, vm.ram.base.raw(), vm.ram.size), ram); // every piece touched
        }

        const u64 kernel_at = 2 * MiB + 0x1000;
        EXPECT_EQ(std::memcmp(ram + kernel_at, k.data(), k.size()), 0);
        EXPECT_EQ(std::memcmp(ram, dtb.data(), dtb.size()), 0);
        EXPECT_EQ(std::memcmp(ram + initrd_at, initrd.data(), initrd.size()), 0);
        u64 stale = 0;
        for (u64 a = 0; a < vm.ram.size; ++a) {
            const bool image = a < dtb.size() || (a >= kernel_at && a < kernel_at + k.size()) ||
                               (a >= initrd_at && a < initrd_at + initrd.size());
            if (!image && ram[a] != 0) ++stale;
        }
        EXPECT_EQ(stale, 0u);
        const auto cleaned = cleaned_per_byte(vm);
        u64 wrong = 0;
        for (const unsigned c : cleaned) wrong += c != 1 ? 1 : 0;
        EXPECT_EQ(wrong, 0u) << "bytes not cleaned exactly once";
    }
}

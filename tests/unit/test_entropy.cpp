// test_entropy.cpp — guests' random seeds: drawn from the board's entropy, a fresh one for every VM and every boot.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

extern "C" {
#include <libfdt.h>
}

#include "entropy.hpp"
#include "fake_system.hpp"
#include "ram_fill.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
using tessera::test::VmSpec;

namespace {

using Seed = std::array<u8, VM_SEED_BYTES>;

Seed draw() {
    Seed s{};
    entropy_fill(s.data(), s.size());
    return s;
}

Seed first_draw_after_boot(const std::vector<u8>& board_seed, bool rndr) {
    arch::fake::reset();
    arch::fake::machine().rndr = rndr;
    arch::fake::machine().ticks = 1234;
    entropy_init(board_seed.data(), board_seed.size());
    return draw();
}

TEST(Entropy, SeedsComeFromTheBoardsEntropy) {
    const std::vector<u8> firmware(32, 0x5a), other(32, 0xa5);
    EXPECT_EQ(first_draw_after_boot(firmware, false), first_draw_after_boot(firmware, false)); // (all else equal)
    EXPECT_NE(first_draw_after_boot(firmware, false), first_draw_after_boot(other, false));
    EXPECT_NE(first_draw_after_boot(firmware, false), first_draw_after_boot(firmware, true)); // RNDR counts too
    EXPECT_TRUE(entropy_seeded());
    first_draw_after_boot({}, false);
    EXPECT_FALSE(entropy_seeded()); // only the counter: said at boot
}

TEST(Entropy, NoTwoDrawsAlike) {
    first_draw_after_boot(std::vector<u8>(32, 1), false);
    std::vector<Seed> seen;
    for (int i = 0; i < 64; ++i) {
        const Seed s = draw();
        EXPECT_NE(s, Seed{});
        for (const Seed& t : seen) EXPECT_NE(s, t);
        seen.push_back(s);
    }
}

/// A VM device tree as the SDK writes it: /chosen rng-seed, 32 zero bytes.
std::vector<u8> tree_with_seed_room() {
    std::vector<u8> t(4096);
    EXPECT_EQ(fdt_create_empty_tree(t.data(), static_cast<int>(t.size())), 0);
    const int chosen = fdt_add_subnode(t.data(), 0, "chosen");
    const std::vector<u8> zeros(VM_SEED_BYTES, 0);
    EXPECT_EQ(fdt_setprop(t.data(), chosen, "rng-seed", zeros.data(), static_cast<int>(zeros.size())), 0);
    return t;
}

/// The seed in `vm`'s device tree, as its guest reads it from its RAM.
Seed seed_in_ram(Vm& vm) {
    const void* tree = vm_ram_at(vm, vm.dtb_ipa.raw(), 4096); // (filled first, as the guest's first touch would)
    int len = 0;
    const void* p = fdt_getprop(tree, fdt_path_offset(tree, "/chosen"), "rng-seed", &len);
    Seed s{};
    EXPECT_EQ(len, static_cast<int>(VM_SEED_BYTES));
    if (p != nullptr) std::memcpy(s.data(), p, s.size());
    return s;
}

TEST(Entropy, EveryVmAndEveryBootGetsItsOwnSeed) {
    first_draw_after_boot(std::vector<u8>(32, 7), false);
    std::vector<u8> kernel(4096, 0);
    std::memcpy(&kernel[56], "ARM\x64", 4);
    const auto tree = tree_with_seed_room();
    auto linux_vm = [&](const char* name) {
        VmSpec s{name, {1}};
        s.ram = 8 * MiB;
        s.image = {kernel.data(), kernel.data() + kernel.size()};
        s.dtb = {tree.data(), tree.data() + tree.size()};
        return s;
    };
    FakeSystem sys({linux_vm("a"), linux_vm("b")});
    const Seed a = seed_in_ram(sys.vm(0)), b = seed_in_ram(sys.vm(1));
    EXPECT_NE(a, Seed{});
    EXPECT_NE(a, b);
    arch::fake::machine().core = 1; // a restart, on its home core
    vm_reset(sys.vm(0));
    arch::fake::machine().ticks += 1000;
    ASSERT_EQ(FakeSystem::run(1), &sys.vcpu(0, 0));
    const Seed again = seed_in_ram(sys.vm(0));
    EXPECT_NE(again, a);
    EXPECT_NE(again, Seed{});
}

// A lazily scrubbed VM's seed is drawn when it is loaded, and its piece's
// fill — inside a guest's exit — only copies it: the fill borrows no FP/SIMD
// registers (drawing one would, unloading the vCPU whose EL1 registers the
// exit may then write, as an injected abort does).
TEST(Entropy, AFirstTouchWritesTheSeedWithoutBorrowingTheFpRegisters) {
    first_draw_after_boot(std::vector<u8>(32, 9), false);
    std::vector<u8> kernel(4096, 0);
    std::memcpy(&kernel[56], "ARM\x64", 4);
    const auto tree = tree_with_seed_room();
    VmSpec s{"lazy", {1}};
    s.ram = 8 * MiB;
    s.image = {kernel.data(), kernel.data() + kernel.size()};
    s.dtb = {tree.data(), tree.data() + tree.size()};
    FakeSystem sys({s});
    Vm& vm = sys.vm(0);
    ASSERT_TRUE(vm.fill_lazily);
    const unsigned borrows = arch::fake::machine().fp_borrows;
    ASSERT_TRUE(vm_fill_touched(vm, vm.dtb_ipa)); // the guest's first touch of its device tree
    EXPECT_EQ(arch::fake::machine().fp_borrows, borrows);
    EXPECT_NE(seed_in_ram(vm), Seed{});
}

} // namespace

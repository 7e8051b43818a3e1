// test_ram_fill.cpp — a VM's RAM scrubbed on first touch (ram_fill.hpp): each 2 MiB piece unmapped until a fault or
// the hypervisor's own access fills and maps it, a restart forgetting them all, and eager VMs left as they were.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "fake_system.hpp"
#include "guest_walk.hpp"
#include "ram_fill.hpp"
#include "virtqueue.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
using tessera::test::VmSpec;

namespace {

constexpr u64 RAM = FakeSystem::RAM_IPA;

bool has_line(const std::string& what) { return FakeSystem::console().find(what) != std::string::npos; }

/// Its RAM as the board holds it, not as its guest sees it: what a fill must overwrite.
u8* raw(Vm& vm) { return static_cast<u8*>(arch::phys_to_ptr(vm.ram_pa)); }

/// Whether guest-physical `ipa` is mapped in `vm`'s stage 2, to its own RAM.
bool mapped(Vm& vm, u64 ipa) {
    const auto t = vm.stage2.lookup(Ipa(ipa));
    return t.ok() && t.value().pa == vm.ram_pa + (ipa - RAM) && t.value().attrs.write && t.value().attrs.exec;
}

/// Whether bytes [off, off + n) of `vm`'s RAM, as the board holds them, are all `b`.
bool all(Vm& vm, u64 off, u64 n, u8 b) {
    for (u64 i = 0; i < n; ++i) {
        if (raw(vm)[off + i] != b) return false;
    }
    return true;
}

/// A lazily scrubbed VM of `ram` bytes whose RAM holds, as the board's last
/// boot left it, 0xab everywhere (written under the fill, not through it).
VmSpec lazy(u64 ram) {
    VmSpec s{"lazy", {1}};
    s.ram = ram;
    return s;
}

} // namespace

// Nothing of a lazy VM's RAM is mapped when it starts; a stage-2 fault in it
// fills that 2 MiB piece alone (its image where the image goes, zeros over
// whatever was there) and maps it, and the access is tried again. Faults
// outside its RAM are not fills.
TEST(RamFill, AFirstTouchFillsAndMapsThatPieceAlone) {
    FakeSystem sys({lazy(5 * MiB)}); // two whole pieces and a ragged one
    Vm& vm = sys.vm(0);
    ASSERT_TRUE(vm.fill_lazily);
    std::memset(raw(vm), 0xab, vm.ram.size);
    for (const u64 off : {u64{0}, 2 * MiB, 4 * MiB, 5 * MiB - 4096}) EXPECT_FALSE(mapped(vm, RAM + off)) << off;

    EXPECT_TRUE(vm_fill_touched(vm, Ipa(RAM + 2 * MiB + 0x123)));
    EXPECT_TRUE(mapped(vm, RAM + 2 * MiB));
    EXPECT_TRUE(mapped(vm, RAM + 4 * MiB - 1));
    EXPECT_TRUE(all(vm, 2 * MiB, 2 * MiB, 0));
    EXPECT_FALSE(mapped(vm, RAM));
    EXPECT_TRUE(all(vm, 0, 2 * MiB, 0xab)); // the others untouched
    EXPECT_TRUE(all(vm, 4 * MiB, MiB, 0xab));

    EXPECT_TRUE(vm_fill_touched(vm, Ipa(RAM + 5 * MiB - 1))); // the ragged end: pages
    EXPECT_TRUE(mapped(vm, RAM + 4 * MiB));
    EXPECT_TRUE(all(vm, 4 * MiB, MiB, 0));
    EXPECT_TRUE(vm_fill_touched(vm, Ipa(RAM)));
    EXPECT_EQ(std::memcmp(raw(vm), FakeSystem::image(), sizeof FakeSystem::image()), 0);
    EXPECT_TRUE(all(vm, sizeof FakeSystem::image(), 2 * MiB - sizeof FakeSystem::image(), 0));

    // A second fault on a filled piece (another vCPU's, raced): retried, not refilled.
    raw(vm)[2 * MiB] = 0x42;
    EXPECT_TRUE(vm_fill_touched(vm, Ipa(RAM + 2 * MiB)));
    EXPECT_EQ(raw(vm)[2 * MiB], 0x42);
    EXPECT_FALSE(vm_fill_touched(vm, Ipa(RAM + 5 * MiB)));
    EXPECT_FALSE(vm_fill_touched(vm, Ipa(RAM - 4096)));
    EXPECT_FALSE(vm_fill_touched(vm, Ipa(0x0900'0000))); // a device's page
}

// The hypervisor's own accesses (vm_ram_at: a device's rings and buffers,
// the software walk of a guest's tables) fill every piece they reach first:
// none of them reads what the last run left, nor writes where a later fill
// would wipe it.
TEST(RamFill, TheHypervisorsOwnAccessesFillWhatTheyReach) {
    FakeSystem sys({lazy(6 * MiB)});
    Vm& vm = sys.vm(0);
    std::memset(raw(vm), 0xab, vm.ram.size);
    const u8* p = vm_ram_at(vm, RAM + 2 * MiB - 8, 16); // straddles pieces 0 and 1
    ASSERT_EQ(p, raw(vm) + 2 * MiB - 8);
    EXPECT_TRUE(all(vm, 0x1000, 4 * MiB - 0x1000, 0));
    EXPECT_TRUE(mapped(vm, RAM) && mapped(vm, RAM + 2 * MiB));
    EXPECT_FALSE(mapped(vm, RAM + 4 * MiB));
    EXPECT_EQ(vm_ram_at(vm, RAM + 6 * MiB - 8, 16), nullptr); // past its end: nothing filled
    EXPECT_FALSE(mapped(vm, RAM + 4 * MiB));

    // A virtio device's view of its RAM is the same.
    const virtio::GuestRam ram{RAM, vm.ram.size, raw(vm), &vm};
    ASSERT_EQ(ram.at(RAM + 4 * MiB + 64, 64), raw(vm) + 4 * MiB + 64);
    EXPECT_TRUE(all(vm, 4 * MiB, 2 * MiB, 0));
    EXPECT_TRUE(mapped(vm, RAM + 4 * MiB));
}

// A guest's stage-1 tables in a piece it never touched are zeros to the
// software walk, not the valid-looking descriptors the last run left there.
TEST(RamFill, AWalkReadsNoStaleTables) {
    FakeSystem sys({lazy(4 * MiB)});
    Vm& vm = sys.vm(0);
    constexpr u64 L1 = 2 * MiB, L2 = L1 + 0x1000, L3 = L1 + 0x2000; // offsets in its RAM, piece 1
    auto entry = [&](u64 off) -> u64& { return *reinterpret_cast<u64*>(raw(vm) + off); };
    entry(L1) = (RAM + L2) | 3;
    entry(L2) = (RAM + L3) | 3;
    entry(L3) = (RAM + 0x5000) | 3; // VA 0 -> IPA RAM + 0x5000, if these were read
    const Stage1Regs regs{1, 25 | 25ull << 16 | 2ull << 30, RAM + L1, RAM + L1};
    u64 ipa = 0;
    EXPECT_FALSE(guest_va_to_ipa(vm, regs, 0x123, ipa));
    EXPECT_EQ(entry(L1), 0u);
}

// A restart of a lazy VM rewrites nothing: every piece is unmapped and
// forgotten at once (each core's TLBs flushed), in one step however large
// the VM, and its next touches fill them again — its images back, the last
// run's secrets gone.
TEST(RamFill, ARestartForgetsEveryPieceAtOnce) {
    FakeSystem sys({lazy(16 * MiB), {"other", {2}}});
    Vm& vm = sys.vm(0);
    u8* ram = vm_ram_at(vm, RAM, vm.ram.size);
    std::memset(ram, 0x5a, vm.ram.size); // this run's secrets, everywhere
    arch::fake::machine().ticks_per_zeroed_mib = arch::us_to_ticks(1000);
    const unsigned flushes = arch::fake::machine().vm_tlb_flushes;
    arch::fake::machine().core = 1;
    vm_reset(vm);
    arch::fake::machine().ticks += 1000;
    ASSERT_EQ(FakeSystem::run(1), &vm.vcpus[0]); // one step: no slices
    EXPECT_EQ(vm.state, VmState::running);
    EXPECT_EQ(arch::fake::machine().vm_tlb_flushes, flushes + 1); // its VMID's alone
    EXPECT_EQ(arch::fake::machine().tlb_flushes, 0u);
    for (u64 off = 0; off < vm.ram.size; off += 2 * MiB) EXPECT_FALSE(mapped(vm, RAM + off)) << off;
    EXPECT_TRUE(all(vm, 0, vm.ram.size, 0x5a)); // not written, and unreachable

    EXPECT_EQ(vm_ram_at(vm, RAM, vm.ram.size), ram);
    EXPECT_EQ(std::memcmp(ram, FakeSystem::image(), sizeof FakeSystem::image()), 0);
    EXPECT_TRUE(all(vm, sizeof FakeSystem::image(), vm.ram.size - sizeof FakeSystem::image(), 0));
    EXPECT_TRUE(has_line("vm lazy: restarted from its original images, its RAM scrubbed"));
    EXPECT_EQ(sys.vm(1).state, VmState::running);
}

// `scrub: eager`: all of its RAM written and mapped before it runs, and no
// fault is a fill.
TEST(RamFill, AnEagerVmIsWholeAndMappedBeforeItRuns) {
    VmSpec spec = lazy(4 * MiB);
    spec.scrub_eager = true;
    FakeSystem sys({spec});
    Vm& vm = sys.vm(0);
    EXPECT_FALSE(vm.fill_lazily);
    EXPECT_TRUE(mapped(vm, RAM) && mapped(vm, RAM + 4 * MiB - 1));
    EXPECT_EQ(std::memcmp(raw(vm), FakeSystem::image(), sizeof FakeSystem::image()), 0);
    EXPECT_TRUE(all(vm, sizeof FakeSystem::image(), 4 * MiB - sizeof FakeSystem::image(), 0));
    EXPECT_FALSE(vm_fill_touched(vm, Ipa(RAM)));
}

// The bitmaps of filled pieces share pages (a word serves 128 MiB): three
// lazy VMs' take one page between them, not a page each, a word each.
TEST(RamFill, TheVmsBitmapsShareAPage) {
    VmSpec big = lazy(34 * MiB); // 17 pieces
    big.name = "big";
    FakeSystem sys({lazy(2 * MiB), big, {"third", {2}}}, 4);
    const auto at = [&](unsigned i) { return reinterpret_cast<uintptr_t>(sys.vm(i).filled); };
    ASSERT_TRUE(sys.vm(0).fill_lazily && sys.vm(1).fill_lazily && sys.vm(2).fill_lazily);
    EXPECT_EQ(at(1), at(0) + 8);
    EXPECT_EQ(at(2), at(1) + 8);
    EXPECT_EQ(at(0) / 4096, at(2) / 4096);
}

// The memory audit (MEMORY_PRIVATE) covers what a lazy VM will map, not only
// what it has: its whole RAM counts as one mapping, however much of it is
// filled, so the count stays the same as pieces fill.
TEST(RamFill, TheAuditCoversRamNotFilledYet) {
    FakeSystem sys({lazy(6 * MiB), {"other", {2}}});
    u64 before = 0, after = 0;
    EXPECT_TRUE(vm_memory_private(sys.vm(1), before));
    EXPECT_EQ(before, 1u); // the lazy VM's RAM, none of it mapped yet
    EXPECT_TRUE(vm_fill_touched(sys.vm(0), Ipa(RAM)));
    EXPECT_TRUE(vm_fill_touched(sys.vm(0), Ipa(RAM + 2 * MiB)));
    EXPECT_TRUE(vm_memory_private(sys.vm(1), after));
    EXPECT_EQ(after, before);
    // A VM whose RAM a lazy VM's would reach is told so before any fill:
    // here the lazy VM itself, audited from the other's side, is alone too.
    EXPECT_TRUE(vm_memory_private(sys.vm(0), after));
    // (An overlap can only come from a broken allocator; pretend one.)
    const PhysAddr real = sys.vm(1).ram_pa;
    sys.vm(1).ram_pa = sys.vm(0).ram_pa + 4 * MiB; // as if other's RAM were in lazy's piece not filled yet
    EXPECT_FALSE(vm_memory_private(sys.vm(1), after));
    sys.vm(1).ram_pa = real;
}

// On a board with tag memory, a VM with MTE has the tags of each piece
// cleared when it is filled (the data writes none): it reads none of its
// last run's tags, lazily or eagerly scrubbed. A VM without MTE cannot
// reach tags, and its fills leave them alone.
TEST(RamFill, AVmWithMteHasItsTagsClearedWithItsData) {
    struct BoardWithMte { // (put back however the test ends)
        BoardWithMte() { FakeSystem::board_mte() = true; }
        ~BoardWithMte() { FakeSystem::board_mte() = false; }
    } board;
    for (const bool eager : {false, true}) {
        SCOPED_TRACE(eager ? "eager" : "lazy");
        VmSpec tagged = lazy(4 * MiB);
        tagged.mte = true;
        tagged.scrub_eager = eager;
        VmSpec plain{"plain", {2}};
        plain.scrub_eager = eager;
        FakeSystem sys({tagged, plain});
        ASSERT_TRUE(sys.vm(0).cpu.mte);
        ASSERT_FALSE(sys.vm(1).cpu.mte);
        EXPECT_EQ(arch::fake::machine().tags_cleared, eager ? 4 * MiB : 0);
        arch::fake::machine().tags_cleared = 0;
        (void)vm_ram_at(sys.vm(0), RAM + 2 * MiB, 1);
        (void)vm_ram_at(sys.vm(1), RAM, 1);
        EXPECT_EQ(arch::fake::machine().tags_cleared, eager ? 0 : 2 * MiB); // its piece, not the plain VM's
    }
    // A channel's pages and a flash region a guest can read are cleared at boot too.
    VmSpec with_flash = lazy(2 * MiB);
    with_flash.flash_size = 64 * KiB;
    FakeSystem sys({with_flash, {"peer", {2}}}, 4, {ChannelDesc{"link", 16 * KiB, {0, 1}}});
    EXPECT_EQ(arch::fake::machine().tags_cleared, 64 * KiB + 16 * KiB);
}

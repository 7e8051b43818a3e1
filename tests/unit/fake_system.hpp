// fake_system.hpp — a system created as the hypervisor creates it at boot (vms_create), on the fake machine, for core
// unit tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "arch.hpp"
#include "arch_mem.hpp"
#include "channel.hpp"
#include "console.hpp"
#include "fake_arch.hpp"
#include "hypercall.hpp"
#include "hypercall_abi.hpp"
#include "page_alloc.hpp"
#include "sched.hpp"
#include "vm.hpp"

namespace tessera::test {

/// One VM to create: its name, the core of each vCPU, its priority and CPU budget (0: unlimited).
struct VmSpec {
    const char* name;
    std::vector<u8> cores;
    u8 priority = 0;
    u32 budget_us = 0;
    u32 period_us = 0;
    u64 ram = 2 * MiB;
    Blob image{}; ///< default: a tiny image of nops
    Blob dtb{};   ///< non-empty: a Linux guest (image is its kernel)
    Blob initrd{};
    FailurePolicy failure{};  ///< default: stopped on failure
    u32 devices = 0;          ///< the board's devices it owns (bit i: board::DEVICES[i])
    u64 flash_size = 0;       ///< a flash region of this size at IPA 0 (0: none)
    bool scrub_eager = false; ///< its RAM scrubbed whole before it runs (default: on first touch)
    bool mte = false;         ///< `mte: true` (it gets MTE where the fake board has it: machine().mte)
};

/// The fake machine with `cores` cores and the VMs of `specs`, each with
/// 2 MiB of RAM at IPA 0x40000000 and a tiny image. Console output is kept.
class FakeSystem {
public:
    static constexpr u64 RAM_IPA = 0x4000'0000;

    explicit FakeSystem(std::vector<VmSpec> specs, unsigned cores = 4, std::vector<ChannelDesc> channels = {})
        : specs_(std::move(specs)), channels_(std::move(channels)) {
        fresh_board(cores, alloc_);
        for (const VmSpec& s : specs_) {
            descs_.push_back(VmDesc{s.name, s.image.size() != 0 ? s.image : Blob{IMAGE, IMAGE + sizeof IMAGE}, s.initrd,
                                    s.dtb, Ipa(RAM_IPA), s.ram, static_cast<u16>(s.cores.size()), s.cores.data(),
                                    s.priority, s.budget_us, s.period_us, s.devices});
            descs_.back().failure = s.failure;
            descs_.back().flash_size = s.flash_size;
            descs_.back().scrub_eager = s.scrub_eager;
            descs_.back().mte = s.mte;
        }
        vms_create(SystemDesc{descs_.data(), static_cast<u16>(descs_.size()), channels_.data(),
                              static_cast<u16>(channels_.size())},
                   alloc_);
    }

    /// A fresh fake board before any VM exists: `cores` cores online, no
    /// channels or VMs, the console kept in console(), the fake machine reset,
    /// and its RAM the hypervisor's pool in `alloc` (also for the fuzzers,
    /// which create VMs from a description themselves).
    static void fresh_board(unsigned cores, PageAllocator& alloc) {
        g_channels = ChannelTable{};
        arch::fake::reset();
        arch::fake::machine().mte = board_mte(); // (the board's tag memory, as a test asked for it)
        g_console.clear();
        console_init([](char c) { g_console += c; });
        static const bool ram = [] { // (once: what a VM had is never read before it is written)
            arch::fake_ram_init(PhysAddr(FAKE_RAM), FAKE_RAM_SIZE);
            return true;
        }();
        (void)ram;
        alloc = PageAllocator{};
        (void)alloc.add_range({PhysAddr(FAKE_RAM), FAKE_RAM_SIZE});
        g_core_count = cores;
        for (unsigned i = 0; i < MAX_CORES; ++i) {
            std::destroy_at(&g_cores[i]);
            std::construct_at(&g_cores[i]);
            g_cores[i].index = i;
            g_cores[i].online = i < cores;
        }
        std::destroy_at(&g_vms);
        std::construct_at(&g_vms);
    }

    /// Whether the next fake boards have MTE's tag memory (a test that sets
    /// it puts it back).
    static bool& board_mte() {
        static bool mte = false;
        return mte;
    }

    Vm& vm(unsigned i) { return g_vms.vms[i]; }
    Vcpu& vcpu(unsigned vm, unsigned i) { return g_vms.vms[vm].vcpus[i]; }

    /// vCPU `v` makes hypercall `fid` on its core; returns x0.
    static u64 call(Vcpu& v, u64 fid, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0) {
        arch::fake::machine().core = v.core;
        v.ctx.regs.x[0] = fid;
        v.ctx.regs.x[1] = a1;
        v.ctx.regs.x[2] = a2;
        v.ctx.regs.x[3] = a3;
        handle_hypercall(v);
        return v.ctx.regs.x[0];
    }

    /// Lets `core` decide what it runs next: the vCPU it enters, or nullptr if it idles.
    /// Its timer, if due by now, fires first (as the hardware's would have:
    /// disarmed, and the core unsettled).
    static Vcpu* run(unsigned core) {
        arch::fake::Machine& m = arch::fake::machine();
        m.core = core;
        if (m.timer[core] != ~0ull && m.ticks >= m.timer[core]) {
            m.timer[core] = ~0ull;
            g_cores[core].timer_at = 0;
            unsettle(g_cores[core]);
        }
        try {
            schedule(g_cores[core]);
        } catch (const arch::fake::Entered& e) {
            return e.vcpu;
        } catch (const arch::fake::Idled&) {
            return nullptr;
        }
        return nullptr;
    }

    /// The image every VM boots (copied to the base of its RAM).
    static const u8 (&image())[16] { return IMAGE; }

    /// Everything printed on the console so far.
    static std::string& console() { return g_console; }

private:
    static constexpr u64 FAKE_RAM = 0x8000'0000;
    static constexpr u64 FAKE_RAM_SIZE = 64 * MiB;
    static inline const u8 IMAGE[16] = {0x1f, 0x20, 0x03, 0xd5}; // nop
    static inline std::string g_console;
    std::vector<VmSpec> specs_;
    std::vector<VmDesc> descs_;
    std::vector<ChannelDesc> channels_;
    PageAllocator alloc_;
};

} // namespace tessera::test

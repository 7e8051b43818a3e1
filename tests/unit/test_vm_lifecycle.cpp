// test_vm_lifecycle.cpp — stopping and restarting VMs (vm_stop, vm_reset), the final verdict and power-off, and the
// MMIO routing to the emulated devices.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "fake_system.hpp"
#include "guest_fault.hpp"
#include "mmio.hpp"
#include "vgic.hpp"
#include "vpl011.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
using tessera::test::VmSpec;
namespace hv = tessera::abi;

namespace {

bool has(const std::string& what) { return FakeSystem::console().find(what) != std::string::npos; }
/// The first 2 MiB of its RAM as its guest sees it (filled first, as its first touch would).
u8* ram(Vm& vm) { return vm_ram_at(vm, vm.ram.base.raw(), 2 * MiB); }

// Stopping one VM stops its vCPUs (none runs again, a core holding one is
// kicked) and leaves the others running; nothing powers off.
TEST(VmLifecycle, StopOneVmLeavesTheOthersRunning) {
    FakeSystem sys({{"a", {1}}, {"b", {2}}, {"c", {1}}});
    Vcpu& a = sys.vcpu(0, 0);
    ASSERT_EQ(FakeSystem::run(1), &a);
    const unsigned k1 = arch::fake::machine().kicks[1];
    EXPECT_NO_THROW(vm_stop(sys.vm(0), StopReason::exit_code, 0, ""));
    EXPECT_EQ(sys.vm(0).state, VmState::ended);
    EXPECT_EQ(a.state, VcpuState::stopped);
    EXPECT_EQ(arch::fake::machine().kicks[1], k1 + 1);
    EXPECT_TRUE(has("vm a: exited with code 0"));
    EXPECT_EQ(sys.vm(1).state, VmState::running);
    EXPECT_EQ(sys.vm(2).state, VmState::running);
    EXPECT_EQ(FakeSystem::run(1), &sys.vcpu(2, 0));
    EXPECT_EQ(FakeSystem::run(2), &sys.vcpu(1, 0));
    EXPECT_FALSE(has("powering off"));
}

// A VM whose flash the board cannot hold is refused alone (the board used to
// panic), says why, and lets go of the device it was given first: a VM after
// it naming that device gets it. A VM naming a device another VM already
// owns is refused alone too (another panic before).
TEST(VmLifecycle, AVmTheBoardCannotServeIsRefusedAloneAndLetsGoOfItsDevices) {
    VmSpec flash_hog{"flash-hog", {2}};
    flash_hog.devices = 1u << 0;
    flash_hog.flash_size = 1ull << 32; // (4 GiB of flash: the board has 64 MiB)
    VmSpec owner{"owner", {1}};
    owner.devices = 1u << 0;
    VmSpec greedy{"greedy", {2}};
    greedy.devices = 1u << 0;
    FakeSystem sys({flash_hog, owner, greedy});
    EXPECT_EQ(sys.vm(0).state, VmState::failed);
    EXPECT_TRUE(has("vm flash-hog: refused at boot: the board has no free memory for its flash"));
    EXPECT_EQ(sys.vm(1).state, VmState::running);
    EXPECT_EQ(device_owner(0), &sys.vm(1));
    EXPECT_EQ(sys.vm(2).state, VmState::failed);
    EXPECT_TRUE(has("vm greedy: refused at boot: a device it names belongs to another VM"));
}

// The last VM to stop powers the machine off, after the verdict line; a VM
// stopped twice is logged and counted once.
TEST(VmLifecycle, LastStopPowersOffWithTheCleanVerdict) {
    FakeSystem sys({{"a", {1}}, {"b", {2}}});
    vm_stop(sys.vm(0), StopReason::poweroff, 0, "");
    vm_stop(sys.vm(0), StopReason::fault, 0, "again");
    EXPECT_FALSE(has("again"));
    EXPECT_EQ(sys.vm(0).state, VmState::ended);
    EXPECT_THROW(vm_stop(sys.vm(1), StopReason::last_cpu_off, 0, ""), arch::fake::PoweredOff);
    EXPECT_TRUE(has("all 2 VMs ended cleanly; powering off"));
}

// While another core's stop has changed its VM's state but not yet said why
// (vm_stop between the two), the board does not power off: it would stop
// that core first, and the VM's reason would never be printed (a race the
// isolation test hit under load). That stop powers off once it is said.
TEST(VmLifecycle, NoPowerOffBeforeEveryStopIsSaid) {
    FakeSystem sys({{"a", {1}}, {"b", {2}}});
    g_vms.stops_unsaid.fetch_add(1); // vm a's stop, under way on another core
    sys.vm(0).state.store(VmState::failed);
    vm_stop(sys.vm(1), StopReason::poweroff, 0, ""); // the last VM ends: no power-off yet
    EXPECT_FALSE(has("powering off"));
    g_vms.stops_unsaid.fetch_sub(1); // vm a's line is out; its stop looks again
    EXPECT_THROW(vms_power_off_if_all_stopped(), arch::fake::PoweredOff);
    EXPECT_TRUE(has("1 of 2 VMs failed; powering off"));
}

// A fault or a non-zero exit code is a failure, counted in the verdict.
TEST(VmLifecycle, FailedVmsAreCountedInTheVerdict) {
    FakeSystem sys({{"a", {1}}, {"b", {2}}, {"c", {3}}});
    vm_stop(sys.vm(0), StopReason::fault, 0, "bad access");
    vm_stop(sys.vm(1), StopReason::exit_code, 3, "");
    EXPECT_EQ(sys.vm(0).state, VmState::failed);
    EXPECT_EQ(sys.vm(1).state, VmState::failed);
    EXPECT_TRUE(has("vm a: stopped after a fault: bad access"));
    EXPECT_THROW(vm_stop(sys.vm(2), StopReason::poweroff, 0, ""), arch::fake::PoweredOff);
    EXPECT_TRUE(has("2 of 3 VMs failed; powering off"));
    EXPECT_FALSE(has("ended cleanly"));
}

/// vCPU 1 of `vm` (on another core than vCPU 0) is started and running.
void start_second_vcpu(FakeSystem& sys) {
    Vcpu& v0 = sys.vcpu(0, 0);
    ASSERT_EQ(FakeSystem::call(v0, hv::PSCI_CPU_ON, 1, FakeSystem::RAM_IPA + 0x40, 0), 0u);
    ASSERT_EQ(FakeSystem::run(sys.vcpu(0, 1).core), &sys.vcpu(0, 1));
    ASSERT_EQ(FakeSystem::run(v0.core), &v0);
}

// vm_reset stops the VM's vCPUs at once; its home core then reloads the
// image into zeroed RAM, resets the devices, and restarts vCPU 0 alone (at
// the image's entry); the other vCPU's core let go of it first (it was
// kicked and waited for). Two vCPUs' resets make one restart.
TEST(VmLifecycle, ResetReloadsTheImageAndRestartsVcpu0) {
    FakeSystem sys({{"smp", {1, 2}}, {"other", {3}}});
    Vm& vm = sys.vm(0);
    Vcpu& v0 = sys.vcpu(0, 0);
    Vcpu& v1 = sys.vcpu(0, 1);
    start_second_vcpu(sys);
    std::memset(ram(vm), 0xab, 4096);
    vgic_inject(v0, 40);
    ASSERT_TRUE(vpl011_input(vm, 'q'));
    v0.ctx.regs.elr = 0x4000'1234;

    unsigned waits = 0;
    arch::fake::machine().on_wait = [&] {
        ++waits;
        g_cores[2].current.store(nullptr); // core 2 left the guest
    };
    const unsigned k2 = arch::fake::machine().kicks[2];
    arch::fake::machine().core = 1;
    vm_reset(vm);
    EXPECT_EQ(vm.state, VmState::restarting);
    EXPECT_EQ(v0.state, VcpuState::stopped);
    vm_reset(vm); // (a second call, another vCPU's: nothing more)
    EXPECT_TRUE(has("vm smp: restarting at its own request"));
    // Its home core (vCPU 0's) reloads it.
    arch::fake::machine().ticks += 1000;
    EXPECT_EQ(FakeSystem::run(1), &v0);

    EXPECT_GE(arch::fake::machine().kicks[2], k2 + 1);
    EXPECT_EQ(waits, 1u);
    EXPECT_EQ(std::memcmp(ram(vm), FakeSystem::image(), sizeof FakeSystem::image()), 0);
    EXPECT_EQ(ram(vm)[sizeof FakeSystem::image()], 0); // the rest zeroed
    EXPECT_EQ(ram(vm)[4095], 0);
    EXPECT_EQ(v0.state, VcpuState::runnable);
    EXPECT_EQ(v0.ctx.regs.elr, FakeSystem::RAM_IPA);
    EXPECT_EQ(v1.state, VcpuState::off);
    EXPECT_EQ(v1.ctx.regs.elr, 0u);
    EXPECT_EQ(arch::fake::machine().released, 1u);
    EXPECT_EQ(vm.vgic.spi_maybe, 0u); // no SPI pending any more
    EXPECT_EQ(vm.uart.rx_count, 0u);
    EXPECT_TRUE(has("vm smp: restarted from its original images, its RAM scrubbed on first touch, at its own request"));
    const std::string& log = FakeSystem::console();
    EXPECT_EQ(log.find("restarting at its own request"), log.rfind("restarting at its own request")); // once
    EXPECT_EQ(FakeSystem::run(2), nullptr);
    EXPECT_EQ(vm.state, VmState::running);
    EXPECT_EQ(sys.vm(1).state, VmState::running);
}

// vm_reset when the other core never lets go of the vCPU (it stays current
// there past the timeout): the VM's memory and that vCPU's registers are
// still in use and must not be rewritten; the VM stops as failed, saying why.
TEST(VmLifecycle, ResetDoesNotRewriteMemoryAVcpuStillRuns) {
    FakeSystem sys({{"smp", {1, 2}}, {"bystander", {3}}});
    Vm& vm = sys.vm(0);
    Vcpu& v1 = sys.vcpu(0, 1);
    start_second_vcpu(sys);
    std::memset(ram(vm), 0xab, 4096);
    const u64 v1_pc = v1.ctx.regs.elr;
    arch::fake::machine().core = 1;
    vm_reset(vm);
    arch::fake::machine().ticks += 1000;
    EXPECT_EQ(FakeSystem::run(1), nullptr); // core 2 never lets go (on_wait does nothing)
    ASSERT_EQ(g_cores[2].current.load(), &v1);
    EXPECT_EQ(ram(vm)[4095], 0xab);
    EXPECT_EQ(v1.ctx.regs.elr, v1_pc);
    EXPECT_EQ(vm.state, VmState::failed);
    EXPECT_NE(FakeSystem::console().find("vm smp: not restarted: core 2 did not let go of vCPU 1 within 1 s"),
              std::string::npos);
    EXPECT_EQ(sys.vm(1).state, VmState::running);
}

// MMIO routing: the distributor, each vCPU's redistributor frames and the
// PL011 reach their models (seen in what they answer); addresses beside
// them, past the last redistributor, or in RAM belong to no device.
TEST(VmLifecycle, MmioRoutesToTheDeviceModels) {
    FakeSystem sys({{"duo", {1, 2}}});
    Vcpu& v = sys.vcpu(0, 0);
    Vm& vm = sys.vm(0);
    u64 value = 0;
    EXPECT_EQ(mmio_emulate(v, Ipa(VGICD_IPA + 0xffe8), 4, false, value), MmioResult::done);
    EXPECT_EQ(value, 0x3bu); // GICD_PIDR2: GICv3
    EXPECT_EQ(mmio_emulate(v, Ipa(VGICR_IPA + VGICR_STRIDE + 0x8), 8, false, value), MmioResult::done);
    EXPECT_EQ(value, (1ull << 32) | (1u << 8) | (1u << 4)); // vCPU 1's GICR_TYPER: affinity 1, Last
    EXPECT_EQ(mmio_emulate(v, Ipa(VPL011_IPA + 0xfe0), 4, false, value), MmioResult::done);
    EXPECT_EQ(value, 0x11u); // UARTPeriphID0
    // Misaligned for its size: no register is reached (a bus error for the guest).
    value = 0;
    EXPECT_EQ(mmio_emulate(v, Ipa(VGICD_IPA + 0xffe8 + 2), 4, false, value), MmioResult::misaligned);
    EXPECT_EQ(mmio_emulate(v, Ipa(VGICR_IPA + VGICR_STRIDE + 0xc), 8, false, value), MmioResult::misaligned);
    EXPECT_EQ(mmio_emulate(v, Ipa(VGICD_IPA + 0x401), 1, true, value), MmioResult::done); // (a byte: always aligned)
    EXPECT_EQ(mmio_emulate(v, Ipa(0x4800'0002), 2, false, value), MmioResult::no_device);
    value = 'M';
    EXPECT_EQ(mmio_emulate(v, Ipa(VPL011_IPA), 1, true, value), MmioResult::done);
    value = '\n';
    EXPECT_EQ(mmio_emulate(v, Ipa(VPL011_IPA), 1, true, value), MmioResult::done);
    EXPECT_TRUE(has("[duo] M\r\n"));
    value = 1u << 8; // SPI 40 enable through the routed write
    EXPECT_EQ(mmio_emulate(v, Ipa(VGICD_IPA + 0x104), 4, true, value), MmioResult::done);
    EXPECT_TRUE(vm.vgic.spi[8].enabled);

    EXPECT_EQ(mmio_emulate(v, Ipa(VPL011_IPA), 8, false, value), MmioResult::bad_access);
    for (u64 ipa : {VGICD_IPA - 4, VGICD_IPA + VGICD_SIZE, VGICR_IPA + 2 * VGICR_STRIDE, VPL011_IPA + VPL011_SIZE,
                    FakeSystem::RAM_IPA}) {
        value = 0x5a;
        EXPECT_EQ(mmio_emulate(v, Ipa(ipa), 4, false, value), MmioResult::no_device) << std::hex << ipa;
        EXPECT_FALSE(mmio_claims(vm, Ipa(ipa))) << std::hex << ipa;
    }
    EXPECT_TRUE(mmio_claims(vm, Ipa(VGICR_IPA + 2 * VGICR_STRIDE - 4)));
    EXPECT_TRUE(mmio_claims(vm, Ipa(VPL011_IPA + 0x18)));
}

} // namespace

// A guest looping on stray accesses gets its external abort every time, but
// causes at most LOG_BURST lines a second on the shared console; the next
// second's first line says how many were left out. Another VM's lines are
// not counted against it.
TEST(VmLifecycle, GuestCausedLinesAreLimitedPerVm) {
    FakeSystem sys({{"noisy", {1}}, {"other", {2}}});
    Vcpu& v = sys.vcpu(0, 0);
    auto lines = [](const std::string& what) {
        size_t n = 0;
        for (size_t at = FakeSystem::console().find(what); at != std::string::npos;
             at = FakeSystem::console().find(what, at + 1))
            ++n;
        return n;
    };
    arch::fake::machine().ticks = 1;
    for (u64 i = 0; i < 1000; ++i) {
        v.ctx.regs.elr = FakeSystem::RAM_IPA + 8 * i; // (never its abort vector: a fresh stray access each time)
        on_guest_abort(v, Ipa(0x5000'0000), 0x5000'0000, v.ctx.regs.elr, false, false);
    }
    EXPECT_EQ(lines("vm noisy: vcpu 0: read of IPA 0x50000000"), LOG_BURST);
    EXPECT_EQ(sys.vm(0).state, VmState::running);
    on_guest_abort(sys.vcpu(1, 0), Ipa(0x5000'0000), 0x5000'0000, 0x4000'0000, true, false);
    EXPECT_EQ(lines("vm other: vcpu 0: instruction fetch of IPA 0x50000000"), 1u);
    arch::fake::machine().ticks += arch::us_to_ticks(1'000'000);
    v.ctx.regs.elr = FakeSystem::RAM_IPA + 0x10'0000;
    on_guest_abort(v, Ipa(0x5000'0000), 0x5000'0000, v.ctx.regs.elr, false, false);
    EXPECT_TRUE(has("vm noisy: 990 more lines about it were left out (at most 10 a second)"));
    EXPECT_EQ(lines("vm noisy: vcpu 0: read of IPA 0x50000000"), LOG_BURST + 1);
}

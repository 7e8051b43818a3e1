// test_vm_health.cpp — high availability: the virtual SP805 as Linux's sp805_wdt drives it, restarts by policy
// (back-off, limit, window, scrubbed RAM) and the watchdog's expiry, on the fake machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "board.hpp"
#include "fake_system.hpp"
#include "mmio.hpp"
#include "system_image.hpp"
#include "vm_health.hpp"
#include "vsp805.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
using tessera::test::VmSpec;
namespace hv = tessera::abi;

namespace {

constexpr u64 TICKS_PER_US = 1000; // the fake counter
constexpr u64 LOAD = 0x000, VALUE = 0x004, CONTROL = 0x008, INTCLR = 0x00c, RIS = 0x010, LOCK = 0xc00;
constexpr u32 UNLOCK = 0x1acc'e551;

bool has(const std::string& what) { return FakeSystem::console().find(what) != std::string::npos; }
void advance_us(u64 us) { arch::fake::machine().ticks += us * TICKS_PER_US; }

u64 rd(Vcpu& v, u64 offset, unsigned size = 4) {
    u64 value = 0;
    EXPECT_EQ(mmio_emulate(v, Ipa(vplat::WATCHDOG + offset), size, false, value), MmioResult::done);
    return value;
}
void wr(Vcpu& v, u64 offset, u64 value) {
    EXPECT_EQ(mmio_emulate(v, Ipa(vplat::WATCHDOG + offset), 4, true, value), MmioResult::done);
}

/// What Linux's sp805_wdt does to start (or ping) it with `timeout_s` on a 1 MHz clock.
void linux_start(Vcpu& v, u32 timeout_s) {
    wr(v, LOCK, UNLOCK);
    wr(v, LOAD, 500'000ull * timeout_s - 1);
    wr(v, INTCLR, 1);
    wr(v, CONTROL, 3);
    wr(v, LOCK, 1);
}

FailurePolicy restart(u32 max, u32 window_ms, u32 backoff_ms) {
    return {sysimg::FAILURE_RESTART, max, window_ms, backoff_ms};
}

/// A client (core 1) on a raw channel to svc-a (core 2), whose failover
/// standby is svc-b (core 3); `max` restarts in 60 s, no back-off.
FakeSystem failover_pair(u32 max, u32 devices = 0) {
    const FailurePolicy active{sysimg::FAILURE_FAILOVER, max, 60'000, 0, 3, false};
    const FailurePolicy standby{sysimg::FAILURE_FAILOVER, max, 60'000, 0, 2, true};
    return FakeSystem({{"client", {1}},
                       {"svc-a", {2}, 0, 0, 0, 2 * MiB, {}, {}, {}, active, devices},
                       {"svc-b", {3}, 0, 0, 0, 2 * MiB, {}, {}, {}, standby}},
                      4, {ChannelDesc{"service", 16 * KiB, {0, 1}}});
}

} // namespace

// The AMBA bus finds an SP805 (PeriphID 0x00141805, PrimeCell ID 0xb105f00d);
// a start arms a deadline of two counts; the lock keeps writes out; a ping
// moves the deadline; VALUE and RIS give the time left; a stop disarms it.
TEST(Vsp805, LinuxDriverSequence) {
    FakeSystem sys({{"linux", {1}}, {"other", {2}}});
    Vcpu& v = sys.vcpu(0, 0);
    const u8 ids[8] = {0x05, 0x18, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(rd(v, 0xfe0 + 4 * i), ids[i]) << i;
    u64 wide = 0;
    EXPECT_EQ(mmio_emulate(v, Ipa(vplat::WATCHDOG), 8, false, wide), MmioResult::bad_access);
    EXPECT_EQ(sys.vm(0).watchdog.deadline.load(), ~0ull);

    advance_us(1000);
    linux_start(v, 10);
    const u64 start = arch::fake::machine().ticks;
    EXPECT_EQ(sys.vm(0).watchdog.deadline.load(), start + 10'000'000 * TICKS_PER_US);
    EXPECT_EQ(rd(v, LOCK), 1u);
    wr(v, CONTROL, 0); // locked: ignored
    EXPECT_EQ(rd(v, CONTROL), 3u);
    EXPECT_NE(g_cores[1].health_at.load(), 0u); // its home core will look at it

    advance_us(6'000'000); // into the second count: the interrupt is raised
    EXPECT_EQ(rd(v, RIS), 1u);
    EXPECT_EQ(rd(v, VALUE), 4'999'999u - 1'000'000u); // a second into the second count of 5
    linux_start(v, 10);                               // a ping
    EXPECT_EQ(rd(v, RIS), 0u);
    EXPECT_EQ(sys.vm(0).watchdog.deadline.load(), arch::fake::machine().ticks + 10'000'000 * TICKS_PER_US);

    wr(v, LOCK, UNLOCK);
    wr(v, CONTROL, 0);
    EXPECT_EQ(sys.vm(0).watchdog.deadline.load(), ~0ull);
}

// A watchdog not kicked fails its VM on its home core's next look, with a
// message saying so; the other VM runs on; a restart powers the watchdog off.
TEST(VmHealth, WatchdogExpiryFailsOnlyItsVm) {
    FakeSystem sys({{"hung", {1}}, {"other", {2}}});
    linux_start(sys.vcpu(0, 0), 2);
    advance_us(1'999'000);
    vm_health_run(g_cores[1]);
    EXPECT_EQ(sys.vm(0).state, VmState::running);
    advance_us(2'000);
    vm_health_run(g_cores[1]);
    EXPECT_EQ(sys.vm(0).state, VmState::failed);
    EXPECT_TRUE(has("vm hung: failed: its watchdog expired (not kicked for 2000 ms)"));
    EXPECT_EQ(sys.vm(1).state, VmState::running);
}

// A failed VM with a restart policy: its vCPUs stop at once; its home core
// starts it again after the back-off (not before), from its images with the
// rest of its RAM scrubbed; the back-off doubles; past max_restarts it stays
// stopped, saying why; the other VM never stops.
TEST(VmHealth, RestartAfterBackoffScrubbedUntilTheLimit) {
    FakeSystem sys({{"svc", {1}, 0, 0, 0, 2 * MiB, {}, {}, {}, restart(2, 60'000, 50)}, {"other", {2}}});
    Vm& vm = sys.vm(0);
    for (const u32 backoff_ms : {50u, 100u}) {
        u8* ram = vm_ram_at(vm, vm.ram.base.raw(), vm.ram.size); // (as its guest sees it: filled on first touch)
        std::memset(ram + 0x10'0000, 0x5a, 4096);                // a secret of this run
        linux_start(sys.vcpu(0, 0), 30);
        vm_stop(vm, StopReason::fault, 0, "bad access");
        EXPECT_EQ(vm.state, VmState::restarting);
        EXPECT_EQ(sys.vcpu(0, 0).state, VcpuState::stopped);
        EXPECT_TRUE(has("in " + std::to_string(backoff_ms) + " ms"));
        advance_us(backoff_ms * 1000 - 10);
        vm_health_run(g_cores[1]);
        EXPECT_EQ(vm.state, VmState::restarting) << "restarted before its back-off";
        advance_us(10);
        EXPECT_EQ(FakeSystem::run(1), &sys.vcpu(0, 0)); // the scheduler restarts it and runs it
        EXPECT_EQ(vm.state, VmState::running);
        EXPECT_EQ(vm.watchdog.deadline.load(), ~0ull); // a restarted VM's watchdog is off
        ASSERT_EQ(vm_ram_at(vm, vm.ram.base.raw(), vm.ram.size), ram);
        for (unsigned i = 0; i < 4096; ++i) ASSERT_EQ(ram[0x10'0000 + i], 0) << "the last run's secret survived";
        EXPECT_EQ(std::memcmp(ram, FakeSystem::image(), sizeof FakeSystem::image()), 0);
    }
    EXPECT_EQ(vm.health.restarts, 2u);
    EXPECT_TRUE(has("vm svc: restarted from its original images, its RAM scrubbed"));
    vm_stop(vm, StopReason::exit_code, 3, "");
    EXPECT_EQ(vm.state, VmState::failed);
    EXPECT_TRUE(has("vm svc: exited with code 3; not restarted: 2 restarts within 60 s (max_restarts)"));
    EXPECT_EQ(sys.vm(1).state, VmState::running);
}

// The window: restarts older than it no longer count; a clean end is never restarted.
TEST(VmHealth, WindowForgetsOldRestartsAndCleanEndsStay) {
    FakeSystem sys({{"svc", {1}, 0, 0, 0, 2 * MiB, {}, {}, {}, restart(1, 1'000, 0)}, {"other", {2}}});
    Vm& vm = sys.vm(0);
    advance_us(1); // (a board's counter is past 0 when a VM runs)
    vm_stop(vm, StopReason::fault, 0, "one");
    vm_health_run(g_cores[1]);
    ASSERT_EQ(vm.state, VmState::running);
    advance_us(1'000'001);
    vm_stop(vm, StopReason::fault, 0, "two, a second later");
    EXPECT_EQ(vm.state, VmState::restarting);
    vm_health_run(g_cores[1]);
    vm_stop(vm, StopReason::fault, 0, "three, at once");
    EXPECT_EQ(vm.state, VmState::failed);
    FakeSystem again({{"svc", {1}, 0, 0, 0, 2 * MiB, {}, {}, {}, restart(5, 1'000, 0)}, {"other", {2}}});
    vm_stop(again.vm(0), StopReason::poweroff, 0, "");
    EXPECT_EQ(again.vm(0).state, VmState::ended);
}

// A large VM scrubbed eagerly: its restart scrubs its RAM a slice (1 ms) at
// a time on its home core, and a VM sharing the core runs between the slices
// as long again: the restart holds the core for no more than a slice at a
// time, and the slices are not charged to the budget of the vCPU they interrupt.
TEST(VmHealth, ALargeVmsScrubIsSlicedAndItsCoreSharesOn) {
    VmSpec big_spec{"big", {1}, 0, 0, 0, 16 * MiB, {}, {}, {}, restart(3, 60'000, 0)};
    big_spec.scrub_eager = true;
    FakeSystem sys({big_spec, {"small", {1}, 0, 50'000, 100'000}});
    Vm& big = sys.vm(0);
    Vcpu& small = sys.vcpu(1, 0);
    u8* ram = static_cast<u8*>(arch::phys_to_ptr(big.ram_pa));
    std::memset(ram, 0xab, 16 * MiB);
    arch::fake::machine().ticks_per_zeroed_mib = arch::us_to_ticks(1000); // 1 ms per MiB: 16 slices
    advance_us(1);
    vm_stop(big, StopReason::fault, 0, "x");
    unsigned slices = 0;
    while (big.state == VmState::restarting && slices < 100) {
        arch::fake::machine().ticks = std::max(arch::fake::machine().ticks, arch::fake::machine().timer[1]);
        Vcpu* ran = FakeSystem::run(1);
        if (big.state != VmState::restarting) break;
        ++slices;
        EXPECT_EQ(ran, &small) << slices; // between slices, the other VM has the core
        EXPECT_EQ(big.health.scrub_next, u64{slices} * MiB);
        EXPECT_EQ(arch::fake::machine().timer[1],
                  arch::fake::machine().ticks + arch::us_to_ticks(1000)); // as long again
    }
    EXPECT_EQ(slices, 15u); // the 16th ends the restart
    // small ran 1 ms between each two slices: 15 ms of its 50, not 31.
    const u64 now = arch::fake::machine().ticks;
    EXPECT_EQ(sys.vm(1).budget[1].remaining(now), arch::us_to_ticks(35'000));
    EXPECT_EQ(big.state, VmState::running);
    EXPECT_EQ(ram[16 * MiB - 1], 0);
    EXPECT_EQ(ram[sizeof FakeSystem::image()], 0);
    EXPECT_EQ(std::memcmp(ram, FakeSystem::image(), sizeof FakeSystem::image()), 0);
    EXPECT_TRUE(has("vm big: restarted from its original images, its RAM scrubbed"));
}

// A restarting VM keeps the board on: the last other VM ending does not power it off.
TEST(VmHealth, RestartingVmKeepsTheBoardOn) {
    FakeSystem sys({{"svc", {1}, 0, 0, 0, 2 * MiB, {}, {}, {}, restart(3, 60'000, 1000)}, {"other", {2}}});
    vm_stop(sys.vm(0), StopReason::fault, 0, "x");
    EXPECT_NO_THROW(vm_stop(sys.vm(1), StopReason::poweroff, 0, ""));
    EXPECT_FALSE(has("powering off"));
}

// A restart at someone's request (the console's Ctrl-T r, a monitor): a
// running VM and a failed one both start again from their images, without
// counting as failures; one already restarting is not restarted twice.
TEST(VmHealth, RestartOnRequestWhateverThePolicy) {
    FakeSystem sys({{"svc", {1}}, {"other", {2}}});
    Vm& vm = sys.vm(0);
    advance_us(1);
    ASSERT_TRUE(vm_restart_request(vm, "the test's"));
    EXPECT_EQ(vm.state, VmState::restarting);
    EXPECT_EQ(sys.vcpu(0, 0).state, VcpuState::stopped);
    EXPECT_FALSE(vm_restart_request(vm, "the test's"));
    EXPECT_EQ(FakeSystem::run(1), &sys.vcpu(0, 0));
    EXPECT_EQ(vm.state, VmState::running);
    EXPECT_TRUE(
        has("vm svc: restarted from its original images, its RAM scrubbed on first touch, at the test's request"));
    EXPECT_EQ(vm.health.restarts, 0u); // not a failure

    vm_stop(vm, StopReason::fault, 0, "bad access"); // policy: stop
    ASSERT_EQ(vm.state, VmState::failed);
    ASSERT_TRUE(vm_restart_request(vm, "the test's"));
    EXPECT_EQ(FakeSystem::run(1), &sys.vcpu(0, 0));
    EXPECT_EQ(vm.state, VmState::running);
    EXPECT_EQ(sys.vm(1).state, VmState::running);
}

// Failover: the active VM of a pair fails; on its home core its channel
// leaves its stage-2 and enters the standby's at the same IPA (no table
// allocated), the client's doorbell rings in the standby, the roles swap,
// the standby gets HA_INTID, and the failed VM restarts as the standby.
TEST(VmHealth, FailoverHandsTheChannelToTheStandby) {
    FakeSystem sys = failover_pair(2);
    Vm& a = sys.vm(1);
    Vm& b = sys.vm(2);
    const Ipa at(vplat::CHANNEL_BASE);
    ASSERT_TRUE(a.stage2.lookup(at).ok());
    ASSERT_FALSE(b.stage2.lookup(at).ok()); // the standby cannot see it
    const usize tables = b.stage2.table_pages();
    EXPECT_TRUE(b.standby.load());
    advance_us(1);

    vm_stop(a, StopReason::fault, 0, "bad access");
    EXPECT_TRUE(has("restart 1 of 2 within 60 s, in 0 ms, as the standby: vm svc-b takes over"));
    vm_health_run(g_cores[2]);
    EXPECT_FALSE(a.stage2.lookup(at).ok());
    ASSERT_TRUE(b.stage2.lookup(at).ok());
    EXPECT_EQ(b.stage2.lookup(at).value().pa, g_channels.channels[0].pa);
    EXPECT_EQ(b.stage2.table_pages(), tables); // made at boot
    EXPECT_EQ(arch::fake::machine().tlb_flushes, 1u);
    EXPECT_EQ(b.channel_count, 1u);
    EXPECT_EQ(a.channel_count, 0u);
    EXPECT_FALSE(b.standby.load());
    EXPECT_TRUE(a.standby.load());
    EXPECT_EQ(b.health.takeovers, 1u);
    EXPECT_TRUE(b.vgic.spi[vplat::HA_INTID - 32].pending);
    EXPECT_TRUE(has("vm svc-b: takes over from vm svc-a at "));
    EXPECT_EQ(a.state, VmState::running); // restarted (no back-off), as the standby
    EXPECT_EQ(FakeSystem::call(sys.vcpu(1, 0), tessera::abi::TESSERA_HA_STATUS), 0u);
    EXPECT_EQ(sys.vcpu(1, 0).ctx.regs.x[1], 1u); // standby
    EXPECT_EQ(FakeSystem::call(sys.vcpu(0, 0), tessera::abi::TESSERA_CHANNEL_RING, 0), 0u);
    EXPECT_TRUE(b.vgic.spi[vplat::CHANNEL_INTID - 32].pending); // the client's doorbell rings in svc-b
    EXPECT_FALSE(a.vgic.spi[vplat::CHANNEL_INTID - 32].pending);

    // svc-b ends for good: its standby is told.
    vm_stop(b, StopReason::poweroff, 0, "");
    EXPECT_TRUE(a.vgic.spi[vplat::HA_INTID - 32].pending);
}

// The active VM's device (the board's clock) goes with the takeover: its
// registers leave the failed VM's stage-2 for the standby's (tables made at
// boot), and its interrupt is forwarded to the standby from then on.
TEST(VmHealth, FailoverHandsTheDeviceToTheStandby) {
    FakeSystem sys = failover_pair(2, 1u << 0);
    Vm& a = sys.vm(1);
    Vm& b = sys.vm(2);
    const board::Device& rtc = board::DEVICES[0];
    ASSERT_TRUE(a.stage2.lookup(Ipa(rtc.base)).ok());
    ASSERT_FALSE(b.stage2.lookup(Ipa(rtc.base)).ok());
    EXPECT_EQ(device_owner(0), &a);
    const usize tables = b.stage2.table_pages();
    EXPECT_TRUE(device_irq_forward(rtc.intid));
    EXPECT_TRUE(a.vgic.spi[rtc.intid - 32].pending);
    advance_us(1);

    vm_stop(a, StopReason::fault, 0, "bad access");
    vm_health_run(g_cores[2]);
    EXPECT_FALSE(a.stage2.lookup(Ipa(rtc.base)).ok());
    ASSERT_TRUE(b.stage2.lookup(Ipa(rtc.base)).ok());
    EXPECT_EQ(b.stage2.lookup(Ipa(rtc.base)).value().pa, PhysAddr(rtc.base));
    EXPECT_EQ(b.stage2.table_pages(), tables);
    EXPECT_EQ(device_owner(0), &b);
    EXPECT_TRUE(has("vm svc-b: takes over from vm svc-a at "));
    EXPECT_TRUE(has(" us: channels 0; devices rtc"));
    EXPECT_TRUE(device_irq_forward(rtc.intid));
    EXPECT_TRUE(b.vgic.spi[rtc.intid - 32].pending);
    // The restarted svc-a (now the standby) does not get it back.
    EXPECT_EQ(a.state, VmState::running);
    EXPECT_FALSE(a.stage2.lookup(Ipa(rtc.base)).ok());
}

// Past max_restarts the failed active VM stays stopped, but its standby still
// takes the channel over: the service lives on.
TEST(VmHealth, FailoverAtTheLimitStillHandsOver) {
    FakeSystem sys = failover_pair(1);
    Vm& a = sys.vm(1);
    Vm& b = sys.vm(2);
    advance_us(1);
    a.health.window_restarts = 1; // its one restart in this window is spent
    a.health.window_start = arch::fake::machine().ticks;
    vm_stop(a, StopReason::fault, 0, "again");
    EXPECT_TRUE(has("not restarted: 1 restarts within 60 s (max_restarts); vm svc-b takes over"));
    vm_health_run(g_cores[2]);
    EXPECT_EQ(a.state, VmState::failed);
    EXPECT_TRUE(has("vm svc-a: stays stopped (max_restarts)"));
    EXPECT_EQ(b.channel_count, 1u);
    EXPECT_FALSE(b.standby.load());
    EXPECT_EQ(b.state, VmState::running);
}

// A guest's own SYSTEM_RESET restarts only a running VM: one that failed
// meanwhile (another vCPU's fault, its watchdog) stays failed.
TEST(VmHealth, SystemResetDoesNotReviveAFailedVm) {
    FakeSystem sys({{"a", {1}}, {"b", {2}}});
    vm_stop(sys.vm(0), StopReason::fault, 0, "x");
    vm_reset(sys.vm(0));
    EXPECT_EQ(sys.vm(0).state, VmState::failed);
    EXPECT_EQ(sys.vcpu(0, 0).state, VcpuState::stopped);
    EXPECT_FALSE(has("restarting from its original image"));
}

// Two vCPUs of one VM call SYSTEM_RESET, or SYSTEM_RESET and SYSTEM_OFF, at
// once: one call wins; the other's caller, which still runs (the winner's
// stop has not reached its core yet), never returns to its guest either —
// PSCI's calls do not return.
TEST(VmHealth, TheCallThatLosesARestartRaceDoesNotReturnEither) {
    for (const u32 second : {hv::PSCI_SYSTEM_RESET, hv::PSCI_SYSTEM_OFF}) {
        FakeSystem sys({{"racer", {1, 2}}});
        Vm& vm = sys.vm(0);
        Vcpu& v0 = sys.vcpu(0, 0);
        Vcpu& v1 = sys.vcpu(0, 1);
        v1.state.store(VcpuState::runnable);
        (void)FakeSystem::call(v0, hv::PSCI_SYSTEM_RESET);
        ASSERT_EQ(vm.state, VmState::restarting);
        v1.state.store(VcpuState::runnable); // (as if the winner's stop had not reached it yet)
        (void)FakeSystem::call(v1, second);
        EXPECT_EQ(v1.state, VcpuState::stopped) << second;
        EXPECT_EQ(vm.state, VmState::restarting) << second; // (one restart, not ended)
    }
}

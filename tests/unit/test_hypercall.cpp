// test_hypercall.cpp — the SMCCC dispatcher: versions, features, Tessera's own calls, and what an unknown call gets.
#include <gtest/gtest.h>

#include <cstring>

#include "entropy.hpp"
#include "fake_system.hpp"
#include "measurement.hpp"

using namespace tessera;
using tessera::test::FakeSystem;
namespace hv = tessera::abi;

namespace {

i64 status(u64 x0) { return static_cast<i64>(x0); }

TEST(Hypercall, VersionsAndFeatures) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    EXPECT_EQ(FakeSystem::call(v, hv::SMCCC_VERSION), 0x10001u);
    EXPECT_EQ(FakeSystem::call(v, hv::PSCI_VERSION), 0x10001u);
    EXPECT_EQ(status(FakeSystem::call(v, hv::SMCCC_ARCH_FEATURES, hv::SMCCC_VERSION)), 0);
    EXPECT_EQ(status(FakeSystem::call(v, hv::SMCCC_ARCH_FEATURES, 0x8000'7fff)), hv::SMCCC_NOT_SUPPORTED);
    EXPECT_EQ(status(FakeSystem::call(v, hv::PSCI_FEATURES, hv::PSCI_CPU_ON)), 0);
    EXPECT_EQ(status(FakeSystem::call(v, hv::PSCI_FEATURES, 0x8400'0012)), hv::PSCI_NOT_SUPPORTED);
    EXPECT_EQ(FakeSystem::call(v, hv::PSCI_MIGRATE_INFO_TYPE), static_cast<u64>(hv::PSCI_TOS_NOT_PRESENT));
    EXPECT_EQ(FakeSystem::call(v, hv::TESSERA_ABI_VERSION), (hv::ABI_MAJOR << 16) | hv::ABI_MINOR);
}

TEST(Hypercall, TrngGivesFreshBitsAndNoMoreThanAskedFor) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    EXPECT_EQ(FakeSystem::call(v, hv::TRNG_VERSION), 0x1'0000u);
    EXPECT_EQ(status(FakeSystem::call(v, hv::TRNG_FEATURES, hv::TRNG_RND64)), 0);
    EXPECT_EQ(status(FakeSystem::call(v, hv::TRNG_FEATURES, 0x8400'0053)), hv::SMCCC_NOT_SUPPORTED); // RND32
    EXPECT_NE(FakeSystem::call(v, hv::TRNG_GET_UUID), ~0ull);
    EXPECT_EQ(status(FakeSystem::call(v, hv::TRNG_RND64, 0)), hv::PSCI_INVALID_PARAMETERS);
    EXPECT_EQ(status(FakeSystem::call(v, hv::TRNG_RND64, 193)), hv::PSCI_INVALID_PARAMETERS);
    // A board that gave no entropy at boot has none to give.
    entropy_init(nullptr, 0);
    ASSERT_FALSE(entropy_seeded());
    EXPECT_EQ(status(FakeSystem::call(v, hv::TRNG_RND64, 64)), hv::TRNG_NO_ENTROPY);
    const u8 board_seed[32] = {1, 2, 3, 4};
    entropy_init(board_seed, sizeof board_seed);
    ASSERT_TRUE(entropy_seeded());
    // 192 bits: three words, and two calls never give the same.
    ASSERT_EQ(FakeSystem::call(v, hv::TRNG_RND64, 192), 0u);
    const u64 first[3] = {v.ctx.regs.x[1], v.ctx.regs.x[2], v.ctx.regs.x[3]};
    ASSERT_EQ(FakeSystem::call(v, hv::TRNG_RND64, 192), 0u);
    EXPECT_FALSE(first[0] == v.ctx.regs.x[1] && first[1] == v.ctx.regs.x[2] && first[2] == v.ctx.regs.x[3]);
    EXPECT_NE(first[0] | first[1] | first[2], 0u);
    // 70 bits: x3 whole, 6 bits in x2, nothing in x1.
    u64 seen = 0;
    for (int i = 0; i < 64; ++i) {
        ASSERT_EQ(FakeSystem::call(v, hv::TRNG_RND64, 70), 0u);
        EXPECT_EQ(v.ctx.regs.x[1], 0u);
        EXPECT_EQ(v.ctx.regs.x[2] >> 6, 0u);
        seen |= v.ctx.regs.x[2];
    }
    EXPECT_EQ(seen, 0x3fu);
}

TEST(Hypercall, TheMeasuredBootRecordIsReadWordByWord) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    g_boot_measurement = BootMeasurement{};
    EXPECT_EQ(status(FakeSystem::call(v, hv::TESSERA_MEASUREMENT, hv::MEASUREMENT_SUMMARY)), hv::SMCCC_NOT_SUPPORTED);
    // Two parts: (0x0, 400 bytes, digest 00 01 02 ...) and (0x1000, 5 bytes, digest ff fe ...).
    u8 parts[2 * 48] = {};
    const u64 layout[4] = {0, 400, 0x1000, 5};
    for (unsigned i = 0; i < 2; ++i) {
        std::memcpy(parts + size_t{48} * i, &layout[size_t{2} * i], 16);
        for (unsigned b = 0; b < 32; ++b) parts[size_t{48} * i + 16 + b] = static_cast<u8>(i == 0 ? b : 0xff - b);
    }
    g_boot_measurement = BootMeasurement{true, true, 7, 2, {}, parts};
    for (unsigned b = 0; b < 32; ++b) g_boot_measurement.manifest_digest[b] = static_cast<u8>(0x10 + b);
    ASSERT_EQ(FakeSystem::call(v, hv::TESSERA_MEASUREMENT, hv::MEASUREMENT_SUMMARY), 0u);
    EXPECT_EQ(v.ctx.regs.x[1], 0x1716'1514'1312'1110ull); // digest bytes 0-7, little-endian
    EXPECT_EQ(v.ctx.regs.x[4], 0x2f2e'2d2c'2b2a'2928ull);
    EXPECT_EQ(v.ctx.regs.x[5], 7u);
    EXPECT_EQ(v.ctx.regs.x[6], 2u);
    EXPECT_EQ(v.ctx.regs.x[7], 1u);
    ASSERT_EQ(FakeSystem::call(v, hv::TESSERA_MEASUREMENT, 1), 0u);
    EXPECT_EQ(v.ctx.regs.x[1], 0xf8f9'fafb'fcfd'feffull);
    EXPECT_EQ(v.ctx.regs.x[5], 0x1000u);
    EXPECT_EQ(v.ctx.regs.x[6], 5u);
    EXPECT_EQ(status(FakeSystem::call(v, hv::TESSERA_MEASUREMENT, 2)), hv::PSCI_INVALID_PARAMETERS);
    g_boot_measurement = BootMeasurement{};
}

TEST(Hypercall, UpperHalfOfX0IsIgnoredAndPsci64CallsBehaveLikeTheir32BitTwins) {
    FakeSystem sys({{"smp", {1, 2}}});
    Vcpu& v = sys.vcpu(0, 0);
    EXPECT_EQ(FakeSystem::call(v, 0xdead'beef'0000'0000ull | hv::PSCI_VERSION), 0x10001u);
    // CPU_ON's 64-bit ID (0xC4000003) and its 32-bit one (0x84000003) start the same vCPU.
    EXPECT_EQ(status(FakeSystem::call(v, 0xc400'0003, 1, FakeSystem::RAM_IPA, 0)), hv::PSCI_SUCCESS);
    EXPECT_EQ(status(FakeSystem::call(v, hv::PSCI_CPU_ON, 1, FakeSystem::RAM_IPA, 0)), hv::PSCI_ALREADY_ON);
}

TEST(Hypercall, UnknownCallsAnswerNotSupportedAndTheGuestGoesOn) {
    FakeSystem sys({{"vm", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    for (u64 fid : {0xc600'0099ull, 0x8400'00ffull, 0x0000'0001ull, 0xc600'fe00ull}) {
        EXPECT_EQ(status(FakeSystem::call(v, fid)), hv::SMCCC_NOT_SUPPORTED) << std::hex << fid;
    }
    EXPECT_EQ(sys.vm(0).state, VmState::running);
}

TEST(Hypercall, VmInfoAndTheVendorUid) {
    FakeSystem sys({{"a", {1}}, {"b", {2, 3}}});
    Vcpu& v = sys.vcpu(1, 1);
    EXPECT_EQ(FakeSystem::call(v, hv::TESSERA_VM_INFO), 0u);
    EXPECT_EQ(v.ctx.regs.x[1], 1u); // VM id
    EXPECT_EQ(v.ctx.regs.x[2], 1u); // vCPU index
    EXPECT_EQ(v.ctx.regs.x[3], 2u); // vCPU count
    FakeSystem::call(v, hv::VENDOR_HYP_CALL_UID);
    for (unsigned i = 0; i < 4; ++i) EXPECT_EQ(v.ctx.regs.x[i], hv::TESSERA_UID[i]);
}

TEST(Hypercall, ConsoleWriteShowsTheBytesAndRefusesMoreThan40) {
    FakeSystem sys({{"talker", {1}}});
    Vcpu& v = sys.vcpu(0, 0);
    FakeSystem::console().clear();
    // "hi!\n": bytes little-endian in x2.
    EXPECT_EQ(FakeSystem::call(v, hv::TESSERA_CONSOLE_WRITE, 4, 0x0a'21'69'68), 0u);
    EXPECT_EQ(FakeSystem::console(), "[talker] hi!\r\n");
    EXPECT_EQ(status(FakeSystem::call(v, hv::TESSERA_CONSOLE_WRITE, 41, 0)), hv::PSCI_INVALID_PARAMETERS);
}

TEST(Hypercall, ExitAndSystemOffEndTheVmWithTheirVerdict) {
    FakeSystem sys({{"ok", {1}}, {"bad", {2}}, {"off", {3}}});
    FakeSystem::call(sys.vcpu(0, 0), hv::TESSERA_VM_EXIT, 0);
    FakeSystem::call(sys.vcpu(1, 0), hv::TESSERA_VM_EXIT, 3);
    EXPECT_EQ(sys.vm(0).state, VmState::ended);
    EXPECT_EQ(sys.vm(1).state, VmState::failed);
    EXPECT_NE(FakeSystem::console().find("vm bad: exited with code 3"), std::string::npos);
    EXPECT_THROW(FakeSystem::call(sys.vcpu(2, 0), hv::PSCI_SYSTEM_OFF), arch::fake::PoweredOff);
    EXPECT_EQ(sys.vm(2).state, VmState::ended);
    EXPECT_NE(FakeSystem::console().find("1 of 3 VMs failed; powering off"), std::string::npos);
}

} // namespace

// test_record_check.cpp — a packed VM record the SDK would refuse is refused at boot too, field by field.
#include <gtest/gtest.h>

#include <cstring>

#include "record_check.hpp"

using namespace tessera;

namespace {

sysimg::VmRecord good() {
    sysimg::VmRecord r{};
    std::strcpy(r.name, "linux-a");
    r.ram_ipa = 0x4000'0000;
    r.ram_size = 256 * MiB;
    r.vcpu_count = 2;
    r.priority = 15;
    r.budget_us = 2000;
    r.period_us = 10000;
    return r;
}

TEST(RecordCheck, WhatTheSdkWritesIsAccepted) { EXPECT_EQ(check_vm_record(good()), nullptr); }

TEST(RecordCheck, NamesAreWhatTheSdkAllows) {
    auto r = good();
    std::strcpy(r.name, "evil\x1b[2J");
    EXPECT_NE(check_vm_record(r), nullptr); // an escape sequence on everyone's console
    r.name[0] = 0;
    EXPECT_NE(check_vm_record(r), nullptr);
    std::memset(r.name, 'a', sizeof r.name); // no terminator
    EXPECT_NE(check_vm_record(r), nullptr);
    std::strcpy(r.name, "tessera"); // would forge the hypervisor's console rows
    EXPECT_NE(check_vm_record(r), nullptr);
}

TEST(RecordCheck, AnInitramfsNeedsADeviceTreeToSayWhereItGoes) {
    auto r = good();
    r.initrd.size = 4096; // a bare-metal VM (no device tree) with an initramfs
    EXPECT_NE(check_vm_record(r), nullptr);
    r.dtb.size = 1500;
    EXPECT_EQ(check_vm_record(r), nullptr);
}

TEST(RecordCheck, RamMustLieAboveTheVirtualDevicesAndInsideTheIpaSpace) {
    auto r = good();
    r.ram_ipa = 0;
    EXPECT_NE(check_vm_record(r), nullptr); // over the virtual GIC and UART
    r.ram_ipa = 0x0800'0000;
    EXPECT_NE(check_vm_record(r), nullptr);
    r.ram_ipa = 0x4010'0000; // not 2 MiB aligned
    EXPECT_NE(check_vm_record(r), nullptr);
    r.ram_ipa = (1ull << 39) - 128 * MiB; // runs past the 39-bit IPA space
    EXPECT_NE(check_vm_record(r), nullptr);
    r.ram_ipa = ~0ull - MiB + 1; // and would wrap
    EXPECT_NE(check_vm_record(r), nullptr);
    r = good();
    r.ram_size = 256 * MiB + 12;
    EXPECT_NE(check_vm_record(r), nullptr);
}

TEST(RecordCheck, VcpusPriorityAndBudget) {
    auto r = good();
    r.vcpu_count = 65535;
    EXPECT_NE(check_vm_record(r), nullptr);
    r.vcpu_count = 124; // its redistributors would reach the UART
    EXPECT_NE(check_vm_record(r), nullptr);
    r.vcpu_count = 123;
    EXPECT_EQ(check_vm_record(r), nullptr);
    r = good();
    r.priority = 200;
    EXPECT_NE(check_vm_record(r), nullptr);
    r = good();
    r.sve_vq = 16; // 2048 bits: the longest SVE has
    EXPECT_EQ(check_vm_record(r), nullptr);
    r.sve_vq = 17;
    EXPECT_STREQ(check_vm_record(r), "an SVE vector length over 2048 bits");
    r = good();
    r.flash_ipa = 0x0400'0000;
    r.flash_size = 256 * KiB;
    r.flags = sysimg::VM_FLASH_WRITABLE;
    EXPECT_EQ(check_vm_record(r), nullptr);
    r.flash_ipa = 0x0800'0000 - 4096; // ends in the GIC's frames
    EXPECT_STREQ(check_vm_record(r), "a flash region outside the flash window (below 0x8000000)");
    r.flash_ipa = ~0ull - 4095; // wraps
    EXPECT_STREQ(check_vm_record(r), "a flash region outside the flash window (below 0x8000000)");
    r.flash_ipa = 0x0400'0000;
    r.flash = {0, 512 * KiB};
    EXPECT_STREQ(check_vm_record(r), "flash contents larger than the flash region");
    r = good();
    r.flags = sysimg::VM_FLASH_WRITABLE;
    EXPECT_STREQ(check_vm_record(r), "flash contents without a flash region");
    r.flags = 1u << 7;
    EXPECT_STREQ(check_vm_record(r), "unknown VM flags");
    r.flags = sysimg::VM_FIRMWARE_DT; // and no device tree
    r.dtb = {};
    EXPECT_STREQ(check_vm_record(r), "a firmware guest without a device tree, or with an initramfs");
    r = good();
    r.budget_us = 20000;
    EXPECT_NE(check_vm_record(r), nullptr);
    r.period_us = 0;
    EXPECT_NE(check_vm_record(r), nullptr);
}

} // namespace

namespace {

TEST(RecordCheck, FailurePoliciesAreOnesTheSdkWrites) {
    auto r = good();
    r.on_failure = sysimg::FAILURE_RESTART;
    r.max_restarts = 3;
    r.restart_window_ms = 60'000;
    r.restart_backoff_ms = 100;
    EXPECT_EQ(check_vm_record(r), nullptr);
    r.max_restarts = 0; // restarted, but never
    EXPECT_NE(check_vm_record(r), nullptr);
    r.max_restarts = 3;
    r.restart_window_ms = 0;
    EXPECT_NE(check_vm_record(r), nullptr);
    r.restart_window_ms = 60'000;
    r.restart_backoff_ms = sysimg::MAX_BACKOFF_MS + 1;
    EXPECT_NE(check_vm_record(r), nullptr);
    r.restart_backoff_ms = 100;
    r.on_failure = 2; // no such policy
    EXPECT_NE(check_vm_record(r), nullptr);
    r.on_failure = sysimg::FAILURE_STOP; // limits without restarts
    EXPECT_NE(check_vm_record(r), nullptr);
    r = good();
    r.reserved2 = 1;
    EXPECT_NE(check_vm_record(r), nullptr);
}

} // namespace

namespace {

TEST(RecordCheck, FailoverRecordsNameAPartner) {
    auto r = good();
    r.on_failure = sysimg::FAILURE_FAILOVER;
    r.max_restarts = 3;
    r.restart_window_ms = 60'000;
    r.partner = 2;
    EXPECT_EQ(check_vm_record(r), nullptr);
    r.flags |= sysimg::VM_STANDBY;
    EXPECT_EQ(check_vm_record(r), nullptr);
    r.partner = 0; // failover to nobody
    EXPECT_NE(check_vm_record(r), nullptr);
    r = good();
    r.partner = 2; // a partner without failover
    EXPECT_NE(check_vm_record(r), nullptr);
    r = good();
    r.flags |= sysimg::VM_STANDBY; // a standby of nobody
    EXPECT_NE(check_vm_record(r), nullptr);
}

} // namespace

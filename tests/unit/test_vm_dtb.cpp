// test_vm_dtb.cpp — a Linux VM's device tree, read back with libfdt as the guest kernel would.
#include <gtest/gtest.h>
#include <libfdt.h>

#include <stdexcept>
#include <string>

#include "vm_dtb.hpp"

using tessera::sdk::build_vm_dtb;
using tessera::sdk::LinuxVmSpec;

namespace {

LinuxVmSpec spec() {
    LinuxVmSpec s;
    s.name = "linux-a";
    s.ram_size = 256ull << 20;
    s.vcpus = 2;
    s.bootargs = "console=ttyAMA0 nokaslr";
    s.initrd_size = 1'000'000;
    return s;
}

uint64_t u64_prop(const void* fdt, const char* path, const char* name) {
    int len = 0;
    const auto* p = static_cast<const fdt32_t*>(fdt_getprop(fdt, fdt_path_offset(fdt, path), name, &len));
    EXPECT_EQ(len, 8) << name;
    return (static_cast<uint64_t>(fdt32_to_cpu(p[0])) << 32) | fdt32_to_cpu(p[1]);
}

TEST(VmDtb, DescribesMemoryCpusAndChosen) {
    const auto dtb = build_vm_dtb(spec());
    const void* fdt = dtb.data();
    ASSERT_EQ(fdt_check_header(fdt), 0);
    EXPECT_STREQ(static_cast<const char*>(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", nullptr)),
                 "console=ttyAMA0 nokaslr");
    int len = 0;
    const auto* reg =
        static_cast<const fdt32_t*>(fdt_getprop(fdt, fdt_path_offset(fdt, "/memory@40000000"), "reg", &len));
    ASSERT_EQ(len, 16);
    EXPECT_EQ(fdt32_to_cpu(reg[1]), 0x4000'0000u);
    EXPECT_EQ(fdt32_to_cpu(reg[3]), 256u << 20);
    EXPECT_GE(fdt_path_offset(fdt, "/cpus/cpu@0"), 0);
    EXPECT_GE(fdt_path_offset(fdt, "/cpus/cpu@1"), 0);
    EXPECT_LT(fdt_path_offset(fdt, "/cpus/cpu@2"), 0);
    EXPECT_STREQ(static_cast<const char*>(fdt_getprop(fdt, fdt_path_offset(fdt, "/psci"), "method", nullptr)), "hvc");
}

TEST(VmDtb, InitrdSitsAtTheTopOfRamInsideIt) {
    const auto dtb = build_vm_dtb(spec());
    const uint64_t start = u64_prop(dtb.data(), "/chosen", "linux,initrd-start");
    const uint64_t end = u64_prop(dtb.data(), "/chosen", "linux,initrd-end");
    EXPECT_EQ(end - start, 1'000'000u);
    EXPECT_EQ(start % (2u << 20), 0u);
    EXPECT_LE(end, 0x4000'0000u + (256u << 20));
    EXPECT_EQ(start, tessera::sdk::initrd_address(spec()));
}

TEST(VmDtb, RedistributorRegionGrowsWithVcpus) {
    auto s = spec();
    s.vcpus = 4;
    const auto dtb = build_vm_dtb(s);
    int len = 0;
    const auto* reg =
        static_cast<const fdt32_t*>(fdt_getprop(dtb.data(), fdt_path_offset(dtb.data(), "/intc@8000000"), "reg", &len));
    ASSERT_EQ(len, 32);
    EXPECT_EQ(fdt32_to_cpu(reg[5]), 0x080a'0000u);
    EXPECT_EQ(fdt32_to_cpu(reg[7]), 4u * 0x20000);
}

TEST(VmDtb, RejectsWhatCannotBoot) {
    auto s = spec();
    s.vcpus = 0;
    EXPECT_THROW(build_vm_dtb(s), std::invalid_argument);
    s = spec();
    s.initrd_size = 300ull << 20;
    EXPECT_THROW(build_vm_dtb(s), std::invalid_argument);
    s = spec();
    s.ram_size = 8ull << 20;
    EXPECT_THROW(build_vm_dtb(s), std::invalid_argument);
}

} // namespace

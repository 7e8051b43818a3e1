// test_board_info.cpp — the hypervisor's one walk over the board's device tree (boot/board_info.cpp), on the trees
// QEMU's virt board really gives (dumped at build time), as they are and edited with libfdt.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
#include <libfdt.h>
}

#include "board_info.hpp"

using namespace tessera;

namespace {

std::vector<char> read(const char* path) {
    std::ifstream f(path, std::ios::binary);
    EXPECT_TRUE(f.good()) << path;
    return {std::istreambuf_iterator<char>(f), {}};
}

/// QEMU's virt tree (-smp 4 -m 512M, as the runner boots it), with room to edit it.
std::vector<char> virt(const char* path = QEMU_VIRT_DTB) {
    std::vector<char> t = read(path);
    t.resize(t.size() + 4096);
    EXPECT_EQ(fdt_open_into(t.data(), t.data(), static_cast<int>(t.size())), 0);
    return t;
}

std::string parse(const std::vector<char>& t, BoardInfo& b) {
    b = BoardInfo{};
    const char* err = board_from_fdt(t.data(), b);
    return err != nullptr ? err : "";
}

int node(std::vector<char>& t, const char* path) {
    const int n = fdt_path_offset(t.data(), path);
    EXPECT_GE(n, 0) << path;
    return n;
}

/// Adds a second PL011 named `name` at `base` with SPI `spi`.
void add_uart(std::vector<char>& t, const char* name, u64 base, u32 spi) {
    const int n = fdt_add_subnode(t.data(), 0, name);
    ASSERT_GE(n, 0);
    const char compat[] = "arm,pl011\0arm,primecell";
    ASSERT_EQ(fdt_setprop(t.data(), n, "compatible", compat, sizeof compat), 0);
    const fdt32_t reg[] = {cpu_to_fdt32(static_cast<u32>(base >> 32)), cpu_to_fdt32(static_cast<u32>(base)), 0,
                           cpu_to_fdt32(0x1000)};
    ASSERT_EQ(fdt_setprop(t.data(), n, "reg", reg, sizeof reg), 0);
    const fdt32_t irq[] = {0, cpu_to_fdt32(spi), cpu_to_fdt32(4)};
    ASSERT_EQ(fdt_setprop(t.data(), n, "interrupts", irq, sizeof irq), 0);
}

} // namespace

// Everything the hypervisor needs from QEMU's own tree, in one walk.
TEST(BoardInfo, ReadsQemusVirtBoard) {
    const auto t = virt();
    BoardInfo b;
    ASSERT_EQ(parse(t, b), "");
    ASSERT_EQ(b.memory_count, 1u);
    EXPECT_EQ(b.memory[0].base.raw(), 0x4000'0000u);
    EXPECT_EQ(b.memory[0].size, 512u << 20);
    EXPECT_EQ(b.uart.base.raw(), 0x0900'0000u);
    EXPECT_EQ(b.uart.size, 0x1000u);
    EXPECT_EQ(b.uart_intid, 33u); // SPI 1
    EXPECT_EQ(b.gicd.base.raw(), 0x0800'0000u);
    EXPECT_EQ(b.gicd.size, 0x1'0000u);
    EXPECT_EQ(b.gicr.base.raw(), 0x080a'0000u);
    EXPECT_EQ(b.gicr.size, 0xf6'0000u);
    ASSERT_EQ(b.cpu_count, 4u);
    for (unsigned i = 0; i < 4; ++i) EXPECT_EQ(b.cpu_mpidr[i], i);
    EXPECT_EQ(b.cpus_ignored, 0u);
    EXPECT_TRUE(b.psci_smc);
    // The second bank of the first flash: where the security-version counter lives.
    EXPECT_EQ(b.nv_flash.base.raw(), 0x0400'0000u);
    EXPECT_EQ(b.nv_flash.size, 0x0400'0000u);
    int len = 0;
    const void* seed = fdt_getprop(t.data(), fdt_path_offset(t.data(), "/chosen"), "rng-seed", &len);
    ASSERT_NE(seed, nullptr);
    ASSERT_EQ(b.rng_seed_len, static_cast<unsigned>(len));
    EXPECT_EQ(std::memcmp(b.rng_seed, seed, b.rng_seed_len), 0);
}

// More cores than the hypervisor serves: the first TESSERA_MAX_CORES, the rest
// counted; more than 4 GiB of RAM in one bank.
TEST(BoardInfo, TenCoresAndThreeGigabytes) {
    const auto t = virt(QEMU_VIRT_10CPU_DTB);
    BoardInfo b;
    ASSERT_EQ(parse(t, b), "");
    EXPECT_EQ(b.cpu_count, static_cast<unsigned>(TESSERA_MAX_CORES));
    EXPECT_EQ(b.cpus_ignored, 10u - TESSERA_MAX_CORES);
    EXPECT_EQ(b.cpu_mpidr[TESSERA_MAX_CORES - 1], TESSERA_MAX_CORES - 1u);
    ASSERT_EQ(b.memory_count, 1u);
    EXPECT_EQ(b.memory[0].size, 3ull << 30);
}

// The console is the PL011 /chosen/stdout-path names, by path or through
// /aliases, options after ':' ignored; with no stdout-path, or one naming
// nothing, the first PL011 in the tree.
TEST(BoardInfo, TheConsoleIsThePl011StdoutPathNames) {
    auto t = virt();
    add_uart(t, "serial@9040000", 0x0904'0000, 8);
    BoardInfo b;
    const int chosen = node(t, "/chosen");

    ASSERT_EQ(fdt_setprop_string(t.data(), chosen, "stdout-path", "/serial@9040000"), 0);
    ASSERT_EQ(parse(t, b), "");
    EXPECT_EQ(b.uart.base.raw(), 0x0904'0000u);
    EXPECT_EQ(b.uart_intid, 40u);

    int aliases = fdt_path_offset(t.data(), "/aliases");
    if (aliases < 0) aliases = fdt_add_subnode(t.data(), 0, "aliases");
    ASSERT_GE(aliases, 0);
    ASSERT_EQ(fdt_setprop_string(t.data(), aliases, "serial0", "/pl011@9000000"), 0);
    ASSERT_EQ(fdt_setprop_string(t.data(), node(t, "/chosen"), "stdout-path", "serial0:115200n8"), 0);
    ASSERT_EQ(parse(t, b), "");
    EXPECT_EQ(b.uart.base.raw(), 0x0900'0000u);
    EXPECT_EQ(b.uart_intid, 33u);

    ASSERT_EQ(fdt_setprop_string(t.data(), node(t, "/aliases"), "serial0", "/serial@9040000"), 0);
    ASSERT_EQ(parse(t, b), "");
    EXPECT_EQ(b.uart.base.raw(), 0x0904'0000u);

    // Naming nothing, or nothing said: the first in the tree (as libfdt finds it).
    const int first = fdt_node_offset_by_compatible(t.data(), -1, "arm,pl011");
    const auto* reg = static_cast<const fdt32_t*>(fdt_getprop(t.data(), first, "reg", nullptr));
    const u64 first_base = (static_cast<u64>(fdt32_to_cpu(reg[0])) << 32) | fdt32_to_cpu(reg[1]);
    ASSERT_EQ(fdt_setprop_string(t.data(), node(t, "/chosen"), "stdout-path", "/serial@1234"), 0);
    ASSERT_EQ(parse(t, b), "");
    EXPECT_EQ(b.uart.base.raw(), first_base);
    ASSERT_EQ(fdt_delprop(t.data(), node(t, "/chosen"), "stdout-path"), 0);
    ASSERT_EQ(parse(t, b), "");
    EXPECT_EQ(b.uart.base.raw(), first_base);

    // A name without its unit address names the node with one, as in libfdt's lookups.
    ASSERT_EQ(fdt_setprop_string(t.data(), node(t, "/chosen"), "stdout-path", "/serial@9040000"), 0);
    ASSERT_EQ(parse(t, b), "");
    EXPECT_EQ(b.uart.base.raw(), 0x0904'0000u);
    ASSERT_EQ(fdt_setprop_string(t.data(), node(t, "/chosen"), "stdout-path", "/pl011:115200"), 0);
    ASSERT_EQ(parse(t, b), "");
    EXPECT_EQ(b.uart.base.raw(), 0x0900'0000u);
    EXPECT_EQ(first_base, 0x0904'0000u); // (so that the fallback could not pass for it)
}

// What a tree lacks is said by name; a broken structure block is refused,
// never walked past its end.
TEST(BoardInfo, WhatIsMissingOrBrokenIsSaid) {
    BoardInfo b;
    {
        auto t = virt();
        ASSERT_EQ(fdt_del_node(t.data(), node(t, "/intc@8000000")), 0);
        EXPECT_EQ(parse(t, b), "no arm,gic-v3 interrupt controller");
    }
    {
        auto t = virt();
        ASSERT_EQ(fdt_delprop(t.data(), node(t, "/intc@8000000"), "reg"), 0);
        EXPECT_EQ(parse(t, b), "GICv3 node without reg");
    }
    {
        auto t = virt();
        ASSERT_EQ(fdt_del_node(t.data(), node(t, "/cpus")), 0);
        EXPECT_EQ(parse(t, b), "no CPUs in /cpus");
    }
    {
        auto t = virt();
        ASSERT_EQ(fdt_del_node(t.data(), node(t, "/memory@40000000")), 0);
        EXPECT_EQ(parse(t, b), "no memory node");
    }
    {
        auto t = virt();
        ASSERT_EQ(fdt_del_node(t.data(), node(t, "/pl011@9000000")), 0);
        EXPECT_EQ(parse(t, b), "no console UART");
    }
    {
        auto t = virt();
        t[0] = 0; // the magic
        EXPECT_EQ(parse(t, b), "no valid device tree");
    }
    {
        // Cells no 64-bit address is written in: the memory's "reg" is not
        // read (past the property, or into 64 bits) but refused.
        auto t = virt();
        ASSERT_EQ(fdt_setprop_u32(t.data(), 0, "#address-cells", 0x2000'0000), 0);
        EXPECT_EQ(parse(t, b), "no memory node");
        ASSERT_EQ(fdt_setprop_u32(t.data(), 0, "#address-cells", 3), 0);
        const fdt32_t reg[] = {0, 0, cpu_to_fdt32(0x4000'0000), 0, cpu_to_fdt32(0x2000'0000)};
        ASSERT_EQ(fdt_setprop(t.data(), node(t, "/memory@40000000"), "reg", reg, sizeof reg), 0);
        EXPECT_EQ(parse(t, b), "no memory node");
    }
    {
        // A property length that would wrap the walk back onto itself
        // (libfdt 1.6 does not catch it): refused, not walked for ever.
        auto t = virt();
        const int mem = node(t, "/memory@40000000");
        int len = 0;
        auto* p = static_cast<struct fdt_property*>(fdt_get_property_w(t.data(), mem, "reg", &len));
        ASSERT_NE(p, nullptr);
        p->len = cpu_to_fdt32(0xffff'fff4u);
        EXPECT_NE(parse(t, b).find("malformed device tree"), std::string::npos) << parse(t, b);
    }
    {
        // The structure block cut short inside the tree: its end tag and the
        // root's are gone, and the header says so.
        auto t = virt();
        ASSERT_EQ(fdt_pack(t.data()), 0);
        auto* h = reinterpret_cast<fdt_header*>(t.data());
        h->size_dt_struct = cpu_to_fdt32(fdt32_to_cpu(h->size_dt_struct) / 2);
        EXPECT_NE(parse(t, b).find("malformed device tree"), std::string::npos) << parse(t, b);
    }
}

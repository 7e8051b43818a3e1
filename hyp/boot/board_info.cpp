// board_info.cpp — device tree parsing with libfdt (Debian's libfdt-dev, linked into the EL2 image).
#include "board_info.hpp"

extern "C" {
#include <libfdt.h>
}

namespace tessera {

namespace {

u64 read_cells(const fdt32_t* p, int cells) {
    u64 v = 0;
    for (int i = 0; i < cells; ++i) v = (v << 32) | fdt32_to_cpu(p[i]);
    return v;
}

int cells(const void* fdt, int node, const char* name, int fallback) {
    int len = 0;
    const auto* p = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, name, &len));
    return (p != nullptr && len == 4) ? static_cast<int>(fdt32_to_cpu(*p)) : fallback;
}

/// Entry `index` of `node`'s "reg", using the parent's address/size cells.
bool reg_entry(const void* fdt, int node, int index, PhysRange& out) {
    const int parent = fdt_parent_offset(fdt, node);
    const int ac = cells(fdt, parent, "#address-cells", 2);
    const int sc = cells(fdt, parent, "#size-cells", 1);
    int len = 0;
    const auto* p = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "reg", &len));
    const int stride = ac + sc;
    if (p == nullptr || stride == 0 || (index + 1) * stride * 4 > len) return false;
    p += static_cast<ptrdiff_t>(index) * stride;
    out = PhysRange{PhysAddr(read_cells(p, ac)), read_cells(p + ac, sc)};
    return true;
}

int stdout_node(const void* fdt) {
    const int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen >= 0) {
        int len = 0;
        const char* path = static_cast<const char*>(fdt_getprop(fdt, chosen, "stdout-path", &len));
        if (path != nullptr && len > 0) {
            const char* colon = strchr(path, ':');
            const int n = colon != nullptr ? static_cast<int>(colon - path) : static_cast<int>(strlen(path));
            const int node = fdt_path_offset_namelen(fdt, path, n);
            if (node >= 0) return node;
        }
    }
    return fdt_node_offset_by_compatible(fdt, -1, "arm,pl011");
}

} // namespace

const char* board_from_fdt(const void* fdt, BoardInfo& out) {
    if (fdt_check_header(fdt) != 0) return "no valid device tree";

    for (int n = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", 7); n >= 0;
         n = fdt_node_offset_by_prop_value(fdt, n, "device_type", "memory", 7)) {
        PhysRange r;
        for (int i = 0; reg_entry(fdt, n, i, r) && out.memory_count < BoardInfo::MAX_MEMORY; ++i) {
            // A bank whose end would wrap past 2^64 is not RAM anyone has.
            if (r.size != 0 && r.base.raw() + r.size > r.base.raw()) out.memory[out.memory_count++] = r;
        }
    }
    if (out.memory_count == 0) return "no memory node";
    for (int i = 0; i < fdt_num_mem_rsv(fdt) && out.reserved_count < BoardInfo::MAX_MEMORY; ++i) {
        uint64_t addr = 0, size = 0;
        if (fdt_get_mem_rsv(fdt, i, &addr, &size) == 0) out.reserved[out.reserved_count++] = {PhysAddr(addr), size};
    }

    const int uart = stdout_node(fdt);
    if (uart < 0 || !reg_entry(fdt, uart, 0, out.uart)) return "no console UART";
    int ilen = 0;
    const auto* irq = static_cast<const fdt32_t*>(fdt_getprop(fdt, uart, "interrupts", &ilen));
    if (irq != nullptr && ilen >= 12) { // <type number flags>: type 0 = SPI, 1 = PPI
        const u32 type = fdt32_to_cpu(irq[0]);
        const u32 num = fdt32_to_cpu(irq[1]);
        out.uart_intid = type == 0 ? 32 + num : 16 + num;
    }

    const int gic = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
    if (gic < 0) return "no arm,gic-v3 interrupt controller";
    if (!reg_entry(fdt, gic, 0, out.gicd) || !reg_entry(fdt, gic, 1, out.gicr)) return "GICv3 node without reg";

    const int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0) return "no /cpus node";
    const int ac = cells(fdt, cpus, "#address-cells", 1);
    int node;
    fdt_for_each_subnode(node, fdt, cpus) {
        int len = 0;
        const char* type = static_cast<const char*>(fdt_getprop(fdt, node, "device_type", &len));
        if (type == nullptr || strcmp(type, "cpu") != 0) continue;
        const auto* reg = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "reg", &len));
        if (reg == nullptr || len < ac * 4) continue;
        if (out.cpu_count == TESSERA_MAX_CORES) {
            ++out.cpus_ignored;
            continue;
        }
        out.cpu_mpidr[out.cpu_count++] = read_cells(reg, ac);
    }
    if (out.cpu_count == 0) return "no CPUs in /cpus";

    const int psci = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-0.2");
    const int psci1 = psci >= 0 ? psci : fdt_node_offset_by_compatible(fdt, -1, "arm,psci-1.0");
    if (psci1 >= 0) {
        const char* method = static_cast<const char*>(fdt_getprop(fdt, psci1, "method", nullptr));
        out.psci_smc = method != nullptr && strcmp(method, "smc") == 0;
    }
    if (const int chosen = fdt_path_offset(fdt, "/chosen"); chosen >= 0) {
        int len = 0;
        const void* seed = fdt_getprop(fdt, chosen, "rng-seed", &len);
        if (seed != nullptr && len > 0) {
            const auto n = static_cast<unsigned>(len);
            out.rng_seed_len = n < BoardInfo::MAX_SEED ? n : BoardInfo::MAX_SEED;
            memcpy(out.rng_seed, seed, out.rng_seed_len);
        }
    }
    return nullptr;
}

PhysRange board_nv_flash(const void* fdt) {
    PhysRange bank{};
    // Flash sits at the root: its children only, not the whole tree (a third the cost at boot).
    int node;
    fdt_for_each_subnode(node, fdt, 0) {
        if (fdt_node_check_compatible(fdt, node, "cfi-flash") != 0) continue;
        for (int i = 0; reg_entry(fdt, node, i, bank); ++i) {}
        break;
    }
    return bank;
}

} // namespace tessera

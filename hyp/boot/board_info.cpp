// board_info.cpp — what the board's device tree says about the machine, read in one walk (libfdt: Debian's
// libfdt-dev, linked into the EL2 image).
//
// Why one walk: each libfdt lookup by compatible, by property value or by
// path walks the tree from its root again. Eight of them cost 1.8 million
// instructions on QEMU's 7.5 KiB tree, half of the whole boot. Here every
// node is visited once, its properties once, and the few things the
// hypervisor needs are picked up on the way.
#include "board_info.hpp"

extern "C" {
#include <libfdt.h>
}

namespace tessera {

namespace {

u64 read_cells(const fdt32_t* p, u32 cells) {
    u64 v = 0;
    for (u32 i = 0; i < cells; ++i) v = (v << 32) | fdt32_to_cpu(p[i]);
    return v;
}

/// #address-cells and #size-cells: how a node's children write their "reg".
struct Cells {
    u32 address = 2; // (the specification's defaults)
    u32 size = 1;
};

/// A property's value and length (nullptr: the node has none).
struct Prop {
    const void* value = nullptr;
    int len = 0;

    /// Whether it is the string `s` (its length says so: a value without its terminator is not read past).
    bool is(const char* s) const {
        const usize n = strlen(s) + 1;
        return value != nullptr && static_cast<usize>(len) == n && memcmp(value, s, n) == 0;
    }
    bool lists(const char* s) const {
        return value != nullptr && fdt_stringlist_contains(static_cast<const char*>(value), len, s) != 0;
    }
};

u32 cell_count(const Prop& p, u32 fallback) {
    return p.len == 4 ? fdt32_to_cpu(*static_cast<const fdt32_t*>(p.value)) : fallback;
}

/// The properties of one node the walk looks at.
struct NodeProps {
    Prop device_type, reg, compatible, interrupts, method, stdout_path, rng_seed, address_cells, size_cells;

    /// How its children write their "reg".
    [[nodiscard]] Cells children() const { return {cell_count(address_cells, 2), cell_count(size_cells, 1)}; }
};

/// Entry `index` of a "reg" written with `cells` (the parent's); false if
/// there is none, or its cells do not fit 64 bits (whatever a tree says,
/// nothing is read outside the property).
bool reg_entry(const Prop& reg, Cells cells, int index, PhysRange& out) {
    if (cells.address > 2 || cells.size > 2) return false;
    const u64 stride = cells.address + cells.size;
    if (reg.value == nullptr || stride == 0 || (static_cast<u64>(index) + 1) * stride * 4 > static_cast<u64>(reg.len))
        return false;
    const auto* p = static_cast<const fdt32_t*>(reg.value) + static_cast<u64>(index) * stride;
    out = PhysRange{PhysAddr(read_cells(p, cells.address)), read_cells(p + cells.address, cells.size)};
    return true;
}

/// Takes property `name` of the node being read into `n` if it is one the walk looks at.
void take_prop(NodeProps& n, const char* name, Prop p) {
    struct Wanted {
        const char* name;
        Prop NodeProps::*into;
    };
    static constexpr Wanted wanted[] = {
        {"device_type", &NodeProps::device_type}, {"reg", &NodeProps::reg},
        {"compatible", &NodeProps::compatible},   {"interrupts", &NodeProps::interrupts},
        {"method", &NodeProps::method},           {"stdout-path", &NodeProps::stdout_path},
        {"rng-seed", &NodeProps::rng_seed},       {"#address-cells", &NodeProps::address_cells},
        {"#size-cells", &NodeProps::size_cells}};
    for (const Wanted& w : wanted) {
        if (name[0] == w.name[0] && strcmp(name, w.name) == 0) {
            n.*w.into = p;
            return;
        }
    }
}

/// A PL011 the walk met: where it is, its interrupt and its path (to match
/// /chosen/stdout-path, which may come before or after it in the tree).
struct UartCandidate {
    PhysRange reg{};
    u32 intid = 0;
    char path[128]{};
};

constexpr int MAX_DEPTH = 8;      ///< deeper nodes are walked past (nothing the hypervisor needs is there)
constexpr unsigned MAX_UARTS = 8; ///< PL011s remembered: only these can be the console (QEMU's virt has one or two)

/// What the walk gathers beyond BoardInfo itself.
struct Walk {
    Cells cells[MAX_DEPTH + 1]{}; ///< per depth: how that node's children write "reg"
    char path[128]{};             ///< the current node's path
    usize path_len[MAX_DEPTH + 1]{};
    bool path_cut[MAX_DEPTH + 1]{}; ///< that path did not fit: its node never matches a stdout-path
    bool in_cpus = false;           ///< the depth-1 node being walked is /cpus
    UartCandidate uarts[MAX_UARTS];
    unsigned uart_count = 0;
    Prop stdout_path;
    int aliases = -1;
    bool have_gic = false, gic_ok = false, have_flash = false, have_psci = false;
};

/// Records the PL011 at `node` (path in w.path).
void note_uart(Walk& w, const NodeProps& n, Cells parent, int depth) {
    if (w.uart_count == MAX_UARTS) return;
    UartCandidate& u = w.uarts[w.uart_count];
    if (!reg_entry(n.reg, parent, 0, u.reg)) return;
    if (n.interrupts.value != nullptr && n.interrupts.len >= 12) { // <type number flags>: type 0 = SPI, 1 = PPI
        const auto* irq = static_cast<const fdt32_t*>(n.interrupts.value);
        const u32 type = fdt32_to_cpu(irq[0]);
        const u32 num = fdt32_to_cpu(irq[1]);
        u.intid = type == 0 ? 32 + num : 16 + num;
    }
    const usize len = strlen(w.path);
    if (!w.path_cut[depth] && len < sizeof u.path) memcpy(u.path, w.path, len + 1); // (else "": never matched)
    ++w.uart_count;
}

/// Takes what `node` (at `depth`, named name[0, name_len)) says.
void visit(const NodeProps& n, int node, int depth, const char* name, usize name_len, Walk& w, BoardInfo& out) {
    w.cells[depth] = n.children();
    const Cells parent = depth > 0 ? w.cells[depth - 1] : Cells{};
    if (depth == 1) {
        const bool is_cpus = name_len == 4 && memcmp(name, "cpus", 4) == 0;
        w.in_cpus = is_cpus;
        if (name_len == 6 && memcmp(name, "chosen", 6) == 0) {
            w.stdout_path = n.stdout_path;
            if (n.rng_seed.value != nullptr && n.rng_seed.len > 0) {
                const auto len = static_cast<unsigned>(n.rng_seed.len);
                out.rng_seed_len = len < BoardInfo::MAX_SEED ? len : BoardInfo::MAX_SEED;
                memcpy(out.rng_seed, n.rng_seed.value, out.rng_seed_len);
            }
        }
        if (name_len == 7 && memcmp(name, "aliases", 7) == 0) w.aliases = node;
        if (!w.have_flash && n.compatible.lists("cfi-flash")) {
            // The last bank of the first flash at the root (QEMU virt: the second pflash).
            w.have_flash = true;
            for (int i = 0; reg_entry(n.reg, parent, i, out.nv_flash); ++i) {}
        }
    }
    if (n.device_type.is("memory")) {
        PhysRange r;
        for (int i = 0; reg_entry(n.reg, parent, i, r) && out.memory_count < BoardInfo::MAX_MEMORY; ++i) {
            // A bank whose end would wrap past 2^64 is not RAM anyone has.
            if (r.size != 0 && r.base.raw() + r.size > r.base.raw()) out.memory[out.memory_count++] = r;
        }
    }
    if (depth == 2 && w.in_cpus && n.device_type.is("cpu") && n.reg.value != nullptr && parent.address >= 1 &&
        parent.address <= 2 && static_cast<u64>(n.reg.len) >= parent.address * 4ull) {
        if (out.cpu_count == TESSERA_MAX_CORES) {
            ++out.cpus_ignored;
        } else {
            out.cpu_mpidr[out.cpu_count++] = read_cells(static_cast<const fdt32_t*>(n.reg.value), parent.address);
        }
    }
    if (!w.have_gic && n.compatible.lists("arm,gic-v3")) {
        w.have_gic = true;
        w.gic_ok = reg_entry(n.reg, parent, 0, out.gicd) && reg_entry(n.reg, parent, 1, out.gicr);
    }
    if (!w.have_psci && (n.compatible.lists("arm,psci-0.2") || n.compatible.lists("arm,psci-1.0"))) {
        w.have_psci = true;
        out.psci_smc = n.method.is("smc");
    }
    if (n.compatible.lists("arm,pl011")) note_uart(w, n, parent, depth);
}

/// Whether `have` (a node's whole path) is the node want[0, n) names:
/// component by component, a name without a unit address naming the node
/// with any (as libfdt's path lookup does: "/pl011" is "/pl011@9000000").
bool path_names(const char* want, usize n, const char* have) {
    const usize m = strlen(have);
    usize i = 0, j = 0;
    while (i < n && j < m) {
        if (want[i++] != '/' || have[j++] != '/') return false;
        const usize wi = i, hj = j;
        while (i < n && want[i] != '/') ++i;
        while (j < m && have[j] != '/') ++j;
        const usize wl = i - wi, hl = j - hj;
        if (memcmp(want + wi, have + hj, wl < hl ? wl : hl) != 0) return false;
        const bool unitless = wl < hl && have[hj + wl] == '@' && memchr(want + wi, '@', wl) == nullptr;
        if (wl != hl && !unitless) return false;
    }
    return n > 0 && i == n && j == m;
}

/// The console: the PL011 /chosen/stdout-path names (directly or through
/// /aliases), else the first PL011 in the tree.
const UartCandidate* console_uart(const void* fdt, const Walk& w) {
    if (w.uart_count == 0) return nullptr;
    if (w.stdout_path.value == nullptr || w.stdout_path.len <= 0) return &w.uarts[0];
    const char* path = static_cast<const char*>(w.stdout_path.value);
    const usize max = strnlen(path, static_cast<usize>(w.stdout_path.len));
    const char* colon = static_cast<const char*>(memchr(path, ':', max));
    usize n = colon != nullptr ? static_cast<usize>(colon - path) : max;
    if (n > 0 && path[0] != '/' && w.aliases >= 0) { // an alias: /aliases says where it points
        int len = 0;
        const char* target =
            static_cast<const char*>(fdt_getprop_namelen(fdt, w.aliases, path, static_cast<int>(n), &len));
        if (target != nullptr && len > 0) {
            path = target;
            n = strnlen(target, static_cast<usize>(len));
        }
    }
    for (unsigned i = 0; i < w.uart_count && n > 0; ++i) {
        if (path_names(path, n, w.uarts[i].path)) return &w.uarts[i];
    }
    return &w.uarts[0];
}

/// The node whose properties are being read: it is visited when they end
/// (at its first child or its end), so that its children know its cells.
struct Open {
    NodeProps props;
    int node = -1; // (-1: none)
    int depth = 0;
    const char* name = nullptr;
    usize name_len = 0;
};

/// Enters the node at `offset`, `depth` deep: its path in w.path.
void enter(const void* fdt, int offset, int depth, Walk& w, Open& open) {
    const auto* name = static_cast<const char*>(fdt_offset_ptr(fdt, offset + FDT_TAGSIZE, 1));
    const usize name_len = strlen(name); // (fdt_next_tag checked that it ends inside the tree)
    const usize at = depth > 0 ? w.path_len[depth - 1] : 0;
    usize len = at;
    w.path_cut[depth] = depth > 0 && w.path_cut[depth - 1];
    if (depth > 0 && at + 1 + name_len < sizeof w.path) {
        w.path[at] = '/';
        memcpy(w.path + at + 1, name, name_len);
        len = at + 1 + name_len;
    } else if (depth > 0) {
        w.path_cut[depth] = true;
    }
    w.path[len] = '\0';
    w.path_len[depth] = len;
    open = Open{{}, offset, depth, name, name_len};
}

} // namespace

const char* board_from_fdt(const void* fdt, BoardInfo& out) {
    if (fdt_check_header(fdt) != 0) return "no valid device tree";
    // The structure block tag by tag, once (libfdt's fdt_next_tag checks
    // each against the tree's bounds).
    Walk w;
    Open open;
    int depth = -1;
    for (int offset = 0;;) { // (offsets count from the structure block's start)
        int next = 0;
        const u32 tag = fdt_next_tag(fdt, offset, &next);
        if (tag == FDT_END) return "malformed device tree (its structure block ends inside a node)";
        // (libfdt 1.6 lets a property length near 2^32 wrap the next offset
        // back onto this one: the walk would never end.)
        if (next <= offset) return "malformed device tree (a property longer than the tree)";
        if (tag == FDT_PROP) {
            const auto* p =
                static_cast<const struct fdt_property*>(fdt_offset_ptr(fdt, offset, sizeof(struct fdt_property)));
            const char* name = fdt_string(fdt, static_cast<int>(fdt32_to_cpu(p->nameoff)));
            if (name == nullptr) return "malformed device tree (a property name outside its strings)";
            if (open.node >= 0) take_prop(open.props, name, {p->data, static_cast<int>(fdt32_to_cpu(p->len))});
        } else if (tag == FDT_BEGIN_NODE || tag == FDT_END_NODE) {
            if (open.node >= 0) {
                visit(open.props, open.node, open.depth, open.name, open.name_len, w, out);
                open.node = -1;
            }
            if (tag == FDT_BEGIN_NODE && ++depth <= MAX_DEPTH) enter(fdt, offset, depth, w, open);
            if (tag == FDT_END_NODE && --depth < 0) break; // the root's end
        }
        offset = next;
    }

    if (out.memory_count == 0) return "no memory node";
    for (int i = 0; i < fdt_num_mem_rsv(fdt) && out.reserved_count < BoardInfo::MAX_MEMORY; ++i) {
        uint64_t addr = 0, size = 0;
        if (fdt_get_mem_rsv(fdt, i, &addr, &size) == 0) out.reserved[out.reserved_count++] = {PhysAddr(addr), size};
    }
    const UartCandidate* uart = console_uart(fdt, w);
    if (uart == nullptr) return "no console UART";
    out.uart = uart->reg;
    out.uart_intid = uart->intid;
    if (!w.have_gic) return "no arm,gic-v3 interrupt controller";
    if (!w.gic_ok) return "GICv3 node without reg";
    if (out.cpu_count == 0) return "no CPUs in /cpus";
    return nullptr;
}

} // namespace tessera

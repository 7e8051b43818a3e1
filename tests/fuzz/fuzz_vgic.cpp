// fuzz_vgic.cpp — the virtual GIC's distributor and redistributors driven by a hostile guest and devices: any sequence
// of register accesses (any offset, width and value), injections, device lines, SGIs, list-register picks and
// write-backs. Promised: no crash or undefined behaviour; a pick never gives more than it was asked, never an INTID
// the VM does not have, and never an interrupt that is in a list register already (of any vCPU, for an SPI).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "fuzz_boot_common.hpp"
#include "vgic.hpp"

namespace {

using namespace tessera;

struct Input {
    const uint8_t* p;
    const uint8_t* end;
    template <class T> T take() {
        T v{};
        const size_t n = static_cast<size_t>(end - p) < sizeof v ? static_cast<size_t>(end - p) : sizeof v;
        std::memcpy(&v, p, n);
        p += n;
        return v;
    }
};

/// What sits in the list registers of each vCPU (picked or placed), as the hardware would hold it.
std::vector<LrEntry> g_lrs[2];

bool in_some_lr(u32 intid, unsigned vcpu) {
    for (unsigned c = 0; c < 2; ++c) {
        if (intid < 32 && c != vcpu) continue; // SGIs and PPIs are each vCPU's own
        for (const LrEntry& e : g_lrs[c]) {
            if (e.intid == intid) return true;
        }
    }
    return false;
}

/// Takes back what lr_place() put in the fake's list registers of `c`, as the exit does.
void collect_placed(unsigned c) {
    auto& placed = arch::fake::machine().placed;
    for (auto it = placed.begin(); it != placed.end();) {
        if (it->vcpu == &g_vms.vms[0].vcpus[c]) {
            fuzz::require(!in_some_lr(it->entry.intid, c), "placed an interrupt already in a list register");
            g_lrs[c].push_back(it->entry);
            it = placed.erase(it);
        } else {
            ++it;
        }
    }
    g_vms.vms[0].vcpus[c].lrs_used = 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const u8 image[4] = {0x1f, 0x20, 0x03, 0xd5};
    static const u8 cores[2] = {1, 2};
    PageAllocator alloc = fuzz::fresh_board();
    const VmDesc desc{"guest", {image, image + sizeof image}, {}, {}, Ipa(0x4000'0000), 2 * MiB, 2, cores};
    vms_create(SystemDesc{&desc, 1, nullptr, 0}, alloc);
    Vm& vm = g_vms.vms[0];
    fuzz::require(vm.state == VmState::running, "the VM was not created");
    for (auto& l : g_lrs) l.clear();
    auto& m = arch::fake::machine();

    Input in{data, data + size};
    for (int steps = 0; in.p < in.end && steps < 4096; ++steps) {
        const u8 op = in.take<u8>();
        const unsigned c = (op >> 4) & 1;
        Vcpu& v = vm.vcpus[c];
        m.core = (op & 0x20) ? v.core : 0; // on its own core, or on another
        switch (op & 0xf) {
        case 0:
        case 1: { // a guest's access to the distributor or the redistributors, anything at all
            const u32 off = in.take<u32>() % ((op & 1) ? 2 * VGICR_STRIDE + 0x100 : VGICD_SIZE + 0x100);
            const u8 how = in.take<u8>();
            const unsigned width = 1u << (how & 3);
            const bool write = (how & 4) != 0;
            u64 value = in.take<u64>();
            (void)((op & 1) ? vgicr_access(v, off, width, write, value) : vgicd_access(v, off, width, write, value));
            break;
        }
        case 2: vgic_inject(v, in.take<u8>() % 130, (in.take<u8>() & 1) != 0); break;
        case 3: {
            const u8 b = in.take<u8>();
            vgic_set_line(vm, b % 130, (b & 0x80) != 0);
            break;
        }
        case 4: { // the entry's pick, into the registers still free
            const unsigned free = 4 - static_cast<unsigned>(std::min<size_t>(4, g_lrs[c].size()));
            const unsigned max = in.take<u8>() % (free + 1);
            LrEntry out[VGIC_MAX_LRS];
            bool more = false;
            const unsigned n = vgic_pick(v, out, max, more);
            fuzz::require(n <= max, "a pick gave more than it was asked");
            for (unsigned k = 0; k < n; ++k) {
                fuzz::require(out[k].intid < VGIC_NR_IRQS, "a pick gave an INTID the VM does not have");
                fuzz::require(!in_some_lr(out[k].intid, c), "a pick gave an interrupt already in a list register");
                g_lrs[c].push_back(out[k]);
            }
            break;
        }
        case 5: { // the guest left a list register in some state; the exit writes it back
            if (g_lrs[c].empty()) break;
            const u8 b = in.take<u8>();
            LrEntry e = g_lrs[c][b % g_lrs[c].size()];
            g_lrs[c].erase(g_lrs[c].begin() + b % g_lrs[c].size());
            e.pending = e.pending && (b & 0x40);
            e.active = (e.active || e.pending) && (b & 0x80);
            vgic_writeback(v, e);
            break;
        }
        case 6: vgic_send_sgi(v, in.take<u64>()); break;
        case 7: { // the vCPU in EL2 on its core: injections may go straight to its list registers
            m.core = v.core;
            g_cores[v.core].current.store(&v);
            g_cores[v.core].loaded = &v;
            v.lrs_used = static_cast<u8>(g_lrs[c].size());
            m.lr_count = 4;
            vgic_inject(v, in.take<u8>() % 32, (in.take<u8>() & 1) != 0);
            collect_placed(c);
            break;
        }
        case 8: (void)vgic_block_unless_pending(v); break;
        case 9: (void)vgic_withdraw(v, in.take<u8>() % 40); break;
        default: break;
        }
        fuzz::require(m.placed.empty(), "an interrupt placed for a vCPU that is not in its exit");
        for (auto& core : g_cores) core.loaded = nullptr;
    }
    return 0;
}

// vgic_lr.cpp (aarch64) — ICH_LR<n>_EL2 encode/decode and the per-entry flush and sync.
#include "vgic_lr.hpp"

#include "boot_only.hpp"

#include "sched.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

namespace {

constexpr u64 LR_PENDING = 1ull << 62;
constexpr u64 LR_ACTIVE = 1ull << 63;
constexpr u64 LR_HW = 1ull << 61;
constexpr u64 LR_GROUP1 = 1ull << 60;
constexpr u64 LR_EOI = 1ull << 41; // (with HW 0) a maintenance interrupt when the guest deactivates it
constexpr unsigned MAX_LRS = 8;
constexpr u64 ICH_HCR_EN = 1ull << 0;
constexpr u64 ICH_HCR_UIE = 1ull << 1; // maintenance interrupt when at most one LR is in use

u64 read_lr(unsigned n) {
    switch (n) {
    case 0: return ich_lr0_el2::read();
    case 1: return ich_lr1_el2::read();
    case 2: return ich_lr2_el2::read();
    case 3: return ich_lr3_el2::read();
    case 4: return ich_lr4_el2::read();
    case 5: return ich_lr5_el2::read();
    case 6: return ich_lr6_el2::read();
    default: return ich_lr7_el2::read();
    }
}

void write_lr(unsigned n, u64 v) {
    switch (n) {
    case 0: ich_lr0_el2::write(v); break;
    case 1: ich_lr1_el2::write(v); break;
    case 2: ich_lr2_el2::write(v); break;
    case 3: ich_lr3_el2::write(v); break;
    case 4: ich_lr4_el2::write(v); break;
    case 5: ich_lr5_el2::write(v); break;
    case 6: ich_lr6_el2::write(v); break;
    default: ich_lr7_el2::write(v); break;
    }
}

u64 encode(const LrEntry& e) {
    u64 lr = e.intid | LR_GROUP1 | static_cast<u64>(e.priority) << 48;
    if (e.pending) lr |= LR_PENDING;
    if (e.active) lr |= LR_ACTIVE;
    // A forwarded physical interrupt: the guest's deactivation of the virtual
    // one deactivates the physical one too (pINTID = vINTID).
    if (e.hw) lr |= LR_HW | static_cast<u64>(e.intid) << 32;
    // An emulated level interrupt: its EOI exits to EL2 (ICH_MISR_EL2.EOI),
    // where the write-back resamples the line; one still high is pending
    // again at once, not only at the vCPU's next exit for another reason.
    if (e.level && !e.hw) lr |= LR_EOI;
    return lr;
}

} // namespace

constinit std::atomic<unsigned> g_lr_count{0};

TESSERA_BOOT_ONLY void vgic_lrs_init_core() {
    const unsigned n = static_cast<unsigned>(ich_vtr_el2::read() & 0x1f) + 1;
    // (Every core writes the same value: relaxed is enough, and no reader sees 0 once its core has started.)
    g_lr_count.store(n < MAX_LRS ? n : MAX_LRS, std::memory_order_relaxed);
    ich_hcr_el2::write(ICH_HCR_EN);
}

void vgic_load_lrs(Vcpu& v) {
    // What lr_place() put there goes back first: the pick orders it among
    // the rest. (The ISB: ICH_ELRSR_EL2 must see EL2's own LR writes.)
    if (v.lrs_used != 0) {
        isb();
        vgic_save_lrs(v);
    }
    LrEntry picked[MAX_LRS];
    bool more = false;
    const unsigned n = vgic_pick(v, picked, vgic_lr_count(), more);
    for (unsigned i = 0; i < n; ++i) write_lr(i, encode(picked[i]));
    v.lrs_used = static_cast<u8>(n);
    // ICH_HCR_EL2 is EN between runs (vgic_lrs_init_core, vgic_save_lrs):
    // written only to ask for the underflow interrupt.
    v.lr_underflow = more;
    if (more) ich_hcr_el2::write(ICH_HCR_EN | ICH_HCR_UIE);
}

void vgic_save_lrs(Vcpu& v) {
    // The underflow maintenance interrupt is level: drop the request now, or
    // it stays asserted at EL2 while the list registers sit empty.
    if (v.lr_underflow) {
        ich_hcr_el2::write(ICH_HCR_EN);
        v.lr_underflow = false;
    }
    // An empty one (ICH_ELRSR_EL2: the guest has finished it) is left as it
    // is: its state field says invalid, which is all the hardware reads —
    // unless it asked for the EOI maintenance interrupt, which stays
    // asserted (ICH_EISR_EL2) until the register is cleared.
    const u64 empty = ich_elrsr_el2::read();
    for (unsigned i = 0; i < v.lrs_used; ++i) {
        const u64 lr = read_lr(i);
        const u8 prio = static_cast<u8>(lr >> 48);
        vgic_writeback(v, LrEntry{static_cast<u32>(lr & 0xffff'ffff), prio, (lr & LR_PENDING) != 0,
                                  (lr & LR_ACTIVE) != 0, (lr & LR_HW) != 0, false});
        if ((empty >> i & 1) == 0 || (lr & LR_EOI) != 0) write_lr(i, 0);
    }
    v.lrs_used = 0;
}

bool lr_place(Vcpu& v, const LrEntry& e) {
    if (v.lrs_used >= vgic_lr_count()) return false;
    write_lr(v.lrs_used, encode(e));
    ++v.lrs_used;
    return true;
}

bool lr_refill(Vcpu& v, u32 intid, u8 priority, bool hw) {
    for (unsigned i = 0; i < v.lrs_used; ++i) {
        const u64 lr = i == 0 ? ich_lr0_el2::read() : read_lr(i); // (the first: most often the only one)
        if (static_cast<u32>(lr) != intid) continue;
        // State 0 (neither pending nor active): the guest ended it (with the
        // HW bit its end deactivated the physical interrupt, which could then
        // fire again). The same register, pending again at the model's
        // priority, as encode() would write it (an edge asks for no EOI).
        if ((lr & (LR_PENDING | LR_ACTIVE | LR_EOI)) != 0 || ((lr & LR_HW) != 0) != hw) return false;
        const u64 again = (lr & ~(0xffull << 48)) | static_cast<u64>(priority) << 48 | LR_PENDING;
        if (i == 0)
            ich_lr0_el2::write(again);
        else
            write_lr(i, again);
        return true;
    }
    return false;
}

void lrs_drain(PerCore& core) {
    if (core.loaded != nullptr && core.loaded->lrs_used != 0) {
        isb(); // (ICH_ELRSR_EL2 must see lr_place()'s writes)
        vgic_save_lrs(*core.loaded);
    }
}

} // namespace tessera::arch

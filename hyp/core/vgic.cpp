// vgic.cpp — the virtual GICv3 distributor and redistributors (GICv3 architecture spec, IHI 0069).
#include "vgic.hpp"

#include "arch.hpp"
#include "sched.hpp"
#include "vm.hpp"

namespace tessera {

namespace {

constexpr u32 GICD_CTLR_ENABLE_G1 = 1u << 1;
constexpr u32 GICD_CTLR_ARE = 1u << 4;
constexpr u32 GICD_CTLR_DS = 1u << 6;
constexpr u64 IROUTER_IRM = 1ull << 31;

/// The vCPU of `vm` whose MPIDR affinity is `aff` (Aff1.Aff0), or nullptr.
Vcpu* vcpu_by_affinity(Vm& vm, u64 aff) {
    const u64 index = ((aff >> 8) & 0xff) * 256 + (aff & 0xff);
    if ((aff & 0xff'0000'ff'0000ull) != 0 || index >= vm.desc->vcpu_count) return nullptr;
    return &vm.vcpus[index];
}

/// The vCPU an SPI is delivered to: its IROUTER target, vCPU 0 for "any".
Vcpu& spi_target(Vm& vm, u32 intid) {
    const u64 route = vm.vgic.route[intid - 32];
    Vcpu* v = (route & IROUTER_IRM) ? nullptr : vcpu_by_affinity(vm, route);
    return v != nullptr ? *v : vm.vcpus[0];
}

/// State of `intid` as seen by vCPU `v`; nullptr if it does not exist.
[[gnu::always_inline]] inline VirqState* irq(Vcpu& v, u32 intid) {
    if (intid < 32) return &v.vgic.priv[intid];
    if (intid < VGIC_NR_IRQS) return &v.vm->vgic.spi[intid - 32];
    return nullptr;
}

/// Records that some vCPU of `vm` may have new work (lock held).
void bump(Vm& vm) { vm.vgic.generation.store(vm.vgic.generation + 1, std::memory_order_release); }

/// Records that `v` may have new work in its own private interrupts (lock
/// held): its next entry looks again, and its VM's other vCPUs do not (a
/// hand-off's SGI used to send its sender through a pick for nothing).
void stale(Vcpu& v) {
    __atomic_store_n(&v.vgic.quiet_at, v.vm->vgic.generation.load(std::memory_order_relaxed) - 1, __ATOMIC_RELAXED);
}

/// New work for `v` in interrupt `intid`: `v` alone looks again for a
/// private one, every vCPU of its VM for an SPI (lock held).
void bump_for(Vcpu& v, u32 intid) {
    if (intid < 32)
        stale(v);
    else
        bump(*v.vm);
}

/// Notes that `intid` (of `v`, for a private one) may now want a list
/// register; vgic_pick checks the hint and drops it when it no longer holds.
void mark(Vcpu& v, u32 intid) {
    if (intid < 32)
        v.vgic.maybe |= 1u << intid;
    else if (intid < VGIC_NR_IRQS)
        v.vm->vgic.spi_maybe |= 1ull << (intid - 32);
}

/// Makes `v` look at its interrupts soon: its core leaves the guest, or,
/// if it sleeps in WFI, it wakes.
void notify(Vcpu& v) {
    const VcpuState s = v.state.load(std::memory_order_acquire);
    if (s == VcpuState::blocked) vcpu_wake(v);
    // Its core looks again before it enters a guest: this one always does
    // (it is in EL2 now), another one must be kicked out of its guest.
    if (s == VcpuState::runnable && v.core != arch::this_core()) arch::kick_core(v.core);
}

/// An interrupt for the vCPU whose exit this very core is handling (a
/// self-IPI, its timer), which had nothing else waiting, goes straight into
/// a free list register: its entry needs no pick, and nobody a kick. Edge and
/// forwarded interrupts only (a level one's line is resampled by the pick).
/// The vGIC's generation stays: nothing waits for `v` outside its list
/// registers, and no other vCPU has anything new (lock held).
bool place_now(Vcpu& v, VirqState& s, u32 intid) {
    if (v.core != arch::this_core()) return false; // (first: the rest is that core's own state)
    const PerCore& core = g_cores[v.core];
    if (core.deciding || core.loaded != &v || core.current.load(std::memory_order_relaxed) != &v) return false;
    const bool group_on = intid < 32 || (v.vm->vgic.ctlr & GICD_CTLR_ENABLE_G1) != 0;
    if (!(s.edge || s.hw) || s.pending || s.active || !s.enabled || !group_on) return false;
    // Its list register, still the guest's during a short exit (entry.S),
    // finished already: pending again in place, the model unchanged.
    if (s.in_lr) return !s.edge_latch && arch::lr_refill(v, intid, s.priority, s.hw);
    if (v.vm->vgic.generation.load(std::memory_order_relaxed) != relaxed_peek_word(v.vgic.quiet_at)) return false;
    if (!arch::lr_place(v, LrEntry{intid, s.priority, true, false, s.hw, false})) return false;
    s.in_lr = true;
    return true;
}

void pend(VirqState& s) {
    if (!s.edge && !s.hw) s.soft = true;
    if (s.in_lr)
        s.edge_latch = true;
    else
        s.pending = true;
}

/// Whether an interrupt needs a list register: an active one must go back
/// (the guest still has to end it), a pending one if it is enabled.
bool wants_lr(const VirqState& s, bool group_on) {
    return !s.in_lr && (s.active || (s.pending && s.enabled && group_on));
}

/// Visits the interrupts hinted as maybe pending or active for `v` (its SGIs
/// and PPIs, and the SPIs routed to it), dropping hints that no longer hold
/// (lock held). `f(state, intid, group_enabled)` returns false to stop.
template <class F> void for_each_hinted(Vcpu& v, F&& f) {
    Vm& vm = *v.vm;
    for (u32 bits = v.vgic.maybe; bits != 0; bits &= bits - 1) {
        const u32 id = static_cast<u32>(__builtin_ctz(bits));
        VirqState& s = v.vgic.priv[id];
        if (!s.pending && !s.active) {
            v.vgic.maybe &= ~(1u << id);
            continue;
        }
        if (!f(s, id, true)) return;
    }
    const bool spis_on = (vm.vgic.ctlr & GICD_CTLR_ENABLE_G1) != 0;
    for (u64 bits = vm.vgic.spi_maybe; bits != 0; bits &= bits - 1) {
        const u32 i = static_cast<u32>(__builtin_ctzll(bits));
        VirqState& s = vm.vgic.spi[i];
        if (!s.pending && !s.active) {
            vm.vgic.spi_maybe &= ~(1ull << i);
            continue;
        }
        if (&spi_target(vm, 32 + i) == &v && !f(s, 32 + i, spis_on)) return;
    }
}

/// The most urgent interrupts seen so far, in delivery order: active ones
/// first, then by priority value, then by INTID (offered in ascending order).
struct Candidates {
    struct Entry {
        VirqState* state;
        u32 intid;
    };
    // `at` is left unwritten on purpose: only its first `count` entries are
    // read, and zeroing all of it would cost every list-register refill.
    explicit Candidates(unsigned cap) : capacity(cap) {} // NOLINT(cppcoreguidelines-pro-type-member-init)

    unsigned capacity;
    unsigned count = 0;
    Entry at[VGIC_MAX_LRS + 1]; // the first `count` are valid

    static bool before(const VirqState& a, const VirqState& b) {
        return a.active != b.active ? a.active : a.priority < b.priority;
    }

    void offer(VirqState& s, u32 intid) {
        unsigned pos = count;
        while (pos > 0 && before(s, *at[pos - 1].state)) --pos;
        if (pos >= capacity) return;
        const unsigned last = count < capacity ? count : capacity - 1;
        for (unsigned k = last; k > pos; --k) at[k] = at[k - 1];
        at[pos] = Entry{&s, intid};
        if (count < capacity) ++count;
    }
};

/// Reads or writes a one-bit-per-interrupt register covering `first`..`first`+31.
enum class BitReg { enable_set, enable_clear, pend_set, pend_clear, active_set, active_clear };

u32 bits_read(Vcpu& v, u32 first, BitReg kind) {
    u32 out = 0;
    for (u32 i = 0; i < 32; ++i) {
        const VirqState* s = irq(v, first + i);
        if (s == nullptr) break;
        bool b = false;
        switch (kind) {
        case BitReg::enable_set:
        case BitReg::enable_clear: b = s->enabled; break;
        case BitReg::pend_set:
        case BitReg::pend_clear: b = s->pending || s->edge_latch; break;
        case BitReg::active_set:
        case BitReg::active_clear: b = s->active; break;
        }
        out |= static_cast<u32>(b) << i;
    }
    return out;
}

void bits_write(Vcpu& v, u32 first, BitReg kind, u32 value) {
    bump(*v.vm);
    for (u32 i = 0; i < 32; ++i) {
        if (!(value & (1u << i))) continue;
        VirqState* s = irq(v, first + i);
        if (s == nullptr) break;
        switch (kind) {
        case BitReg::enable_set: s->enabled = true; break;
        case BitReg::enable_clear: s->enabled = false; break;
        case BitReg::pend_set:
            pend(*s);
            mark(v, first + i);
            break;
        case BitReg::pend_clear: s->pending = s->edge_latch = s->soft = false; break;
        case BitReg::active_set:
            s->active = true;
            mark(v, first + i);
            break;
        case BitReg::active_clear: s->active = false; break;
        }
    }
}

/// IPRIORITYR (byte per interrupt) from `first`, `size` bytes, none at or
/// past `limit` (a redistributor's reach ends at INTID 32: never an SPI's).
u64 prio_read(Vcpu& v, u32 first, unsigned size, u32 limit) {
    u64 out = 0;
    for (unsigned i = 0; i < size && first + i < limit; ++i) {
        const VirqState* s = irq(v, first + i);
        if (s != nullptr) out |= static_cast<u64>(s->priority) << (8 * i);
    }
    return out;
}

void prio_write(Vcpu& v, u32 first, unsigned size, u64 value, u32 limit) {
    for (unsigned i = 0; i < size && first + i < limit; ++i) {
        VirqState* s = irq(v, first + i);
        if (s != nullptr) s->priority = static_cast<u8>(value >> (8 * i));
    }
}

/// ICFGR (two bits per interrupt, bit 1 = edge) from `first`. SGIs are always edge.
u32 cfg_read(Vcpu& v, u32 first) {
    u32 out = 0;
    for (u32 i = 0; i < 16; ++i) {
        const VirqState* s = irq(v, first + i);
        if (s != nullptr && s->edge) out |= 2u << (2 * i);
    }
    return out;
}

void cfg_write(Vcpu& v, u32 first, u32 value) {
    bump(*v.vm);
    for (u32 i = 0; i < 16; ++i) {
        VirqState* s = irq(v, first + i);
        if (s != nullptr && first + i >= 16) s->edge = (value >> (2 * i + 1)) & 1;
    }
}

/// The SGI/PPI registers common to the redistributor's SGI frame.
bool private_access(Vcpu& v, u64 off, unsigned size, bool write, u64& value) {
    if (off >= 0x400 && off < 0x420) {
        if (write)
            prio_write(v, static_cast<u32>(off - 0x400), size, value, 32);
        else
            value = prio_read(v, static_cast<u32>(off - 0x400), size, 32);
        return true;
    }
    if (size != 4) return false;
    const u32 w = static_cast<u32>(value);
    switch (off) {
    case 0x080:
        if (!write) value = 0xffff'ffff;
        return true; // IGROUPR0: all group 1
    case 0x100:
        if (write)
            bits_write(v, 0, BitReg::enable_set, w);
        else
            value = bits_read(v, 0, BitReg::enable_set);
        return true;
    case 0x180:
        if (write)
            bits_write(v, 0, BitReg::enable_clear, w);
        else
            value = bits_read(v, 0, BitReg::enable_clear);
        return true;
    case 0x200:
        if (write)
            bits_write(v, 0, BitReg::pend_set, w);
        else
            value = bits_read(v, 0, BitReg::pend_set);
        return true;
    case 0x280:
        if (write)
            bits_write(v, 0, BitReg::pend_clear, w);
        else
            value = bits_read(v, 0, BitReg::pend_clear);
        return true;
    case 0x300:
        if (write)
            bits_write(v, 0, BitReg::active_set, w);
        else
            value = bits_read(v, 0, BitReg::active_set);
        return true;
    case 0x380:
        if (write)
            bits_write(v, 0, BitReg::active_clear, w);
        else
            value = bits_read(v, 0, BitReg::active_clear);
        return true;
    case 0xc00:
        if (!write) value = 0xaaaa'aaaa;
        return true; // ICFGR0: SGIs edge
    case 0xc04:
        if (write)
            cfg_write(v, 16, w);
        else
            value = cfg_read(v, 16);
        return true;
    default:
        if (!write) value = 0;
        return true; // IGRPMODR0, NSACR…: RAZ/WI
    }
}

} // namespace

void vgic_reset(Vm& vm) {
    LockGuard guard(vm.vgic.lock);
    vm.vgic.ctlr = 0;
    for (u32 i = 0; i < VGIC_NR_SPIS; ++i) {
        vm.vgic.spi[i] = VirqState{};
        vm.vgic.route[i] = 0;
    }
    vm.vgic.spi_maybe = 0;
    for (u16 c = 0; c < vm.desc->vcpu_count; ++c) {
        VgicCpu& g = vm.vcpus[c].vgic;
        g = VgicCpu{};
        for (u32 i = 0; i < 16; ++i) g.priv[i].edge = true; // SGIs
    }
    bump(vm);
}

void vgic_inject(Vcpu& target, u32 intid, bool hw) {
    if (intid >= VGIC_NR_IRQS) return; // (before spi_target reads a route it does not have)
    Vm& vm = *target.vm;
    Vcpu* dest = &target;
    {
        LockGuard guard(vm.vgic.lock);
        if (intid >= 32) dest = &spi_target(vm, intid);
        VirqState* s = irq(*dest, intid);
        if (s == nullptr) return;
        s->hw = hw;
        if (place_now(*dest, *s, intid)) return;
        pend(*s);
        mark(*dest, intid);
        bump_for(*dest, intid);
    }
    notify(*dest);
}

bool vgic_inject_again(Vcpu& v, u32 intid) {
    LockGuard guard(v.vm->vgic.lock);
    const VirqState& s = v.vgic.priv[intid];
    // (Anything else — no longer enabled, pending or active by another
    // way, an edge latched meanwhile — takes the usual way.)
    if (!s.in_lr || !s.hw || !s.enabled || s.pending || s.active || s.edge_latch) return false;
    return arch::lr_refill(v, intid, s.priority, true);
}

bool vgic_withdraw(Vcpu& v, u32 intid) {
    LockGuard guard(v.vm->vgic.lock);
    VirqState* s = irq(v, intid);
    if (s == nullptr || !s->hw || !s->pending || s->active || s->in_lr) return false;
    s->pending = false;
    s->hw = false;
    return true;
}

void vgic_set_line(Vm& vm, u32 intid, bool level) {
    if (intid < 32 || intid >= VGIC_NR_IRQS) return;
    Vcpu* dest = nullptr;
    {
        LockGuard guard(vm.vgic.lock);
        VirqState& s = vm.vgic.spi[intid - 32];
        if (s.line == level) return;
        s.line = level;
        if (!s.in_lr) s.pending = level;
        mark(vm.vcpus[0], intid);
        bump(vm);
        if (level) dest = &spi_target(vm, intid);
    }
    if (dest != nullptr) notify(*dest);
}

unsigned vgic_pick(Vcpu& v, LrEntry* out, unsigned max, bool& more) {
    Vm& vm = *v.vm;
    more = false;
    // The common case on a trap: nothing changed since the last look found
    // nothing. Checked without the lock: a change racing with it kicks the
    // vCPU, which looks again on its next entry.
    if (vm.vgic.generation.load(std::memory_order_acquire) == relaxed_peek_word(v.vgic.quiet_at)) return 0;
    if (max > VGIC_MAX_LRS) max = VGIC_MAX_LRS;
    LockGuard guard(vm.vgic.lock);
    const u32 generation = vm.vgic.generation;
    // One pass over the interrupts keeps the max+1 most urgent candidates in
    // order (the extra one only tells that more wait).
    Candidates best{max + 1};
    for_each_hinted(v, [&](VirqState& s, u32 intid, bool group_on) {
        if (wants_lr(s, group_on)) best.offer(s, intid);
        return true;
    });
    more = best.count > max;
    const unsigned n = more ? max : best.count;
    for (unsigned k = 0; k < n; ++k) {
        VirqState& s = *best.at[k].state;
        s.in_lr = true;
        out[k] = LrEntry{best.at[k].intid, s.priority, s.pending, s.active, s.hw, !s.edge && !s.hw && s.line};
        s.pending = false;
    }
    // All that waits is now in list registers: until the next change
    // (which bumps the generation, or for one of its own private interrupts
    // moves this quiet_at; so does handing back one that still waits), the
    // next entry has nothing to pick.
    if (!more) __atomic_store_n(&v.vgic.quiet_at, generation, __ATOMIC_RELAXED);
    return n;
}

bool vgic_block_unless_pending(Vcpu& v) {
    LockGuard guard(v.vm->vgic.lock);
    bool pending = false;
    for_each_hinted(v, [&](VirqState& s, u32, bool group_on) {
        pending = s.pending && s.enabled && group_on;
        return !pending;
    });
    if (pending) return false;
    VcpuState expected = VcpuState::runnable;
    return v.state.compare_exchange_strong(expected, VcpuState::blocked, std::memory_order_acq_rel,
                                           std::memory_order_acquire);
}

void vgic_writeback(Vcpu& v, const LrEntry& e) {
    LockGuard guard(v.vm->vgic.lock);
    VirqState* s = irq(v, e.intid);
    // (Not in a list register by the model's account: the vGIC was reset
    // since — a restart — and what the register held is forgotten.)
    if (s == nullptr || !s->in_lr) return;
    s->in_lr = false;
    s->active = e.active;
    if (s->edge || s->hw) {
        s->pending = e.pending || s->edge_latch;
    } else {
        // Level-sensitive: pending while the line is high, or until the
        // guest acknowledges a software-set pending state.
        if (!e.pending && !s->edge_latch) s->soft = false;
        s->pending = s->line || s->soft;
    }
    s->edge_latch = false;
    if (!s->active && !s->pending) {
        s->hw = false;
    } else {
        mark(v, e.intid);
        bump_for(v, e.intid);
    }
}

namespace {

/// The SGI's target vCPU index from its target list bit `bit`: Aff0 = RS *
/// 16 + bit within Aff1, which is the vCPU's index (Aff1.Aff0).
u64 sgi_target(u64 sgi1r, unsigned bit) { return ((sgi1r >> 16) & 0xff) * 256 + ((sgi1r >> 44) & 0xf) * 16 + bit; }

/// vgic_send_sgi() to every vCPU but the sender (IRM), or to several.
[[gnu::noinline]] void send_sgi_many(Vcpu& from, u64 sgi1r, u32 intid) {
    Vm& vm = *from.vm;
    if ((sgi1r >> 40) & 1) { // IRM: every vCPU but the sender
        for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
            if (&vm.vcpus[i] != &from) vgic_inject(vm.vcpus[i], intid);
        }
        return;
    }
    for (u32 bits = sgi1r & 0xffff; bits != 0; bits &= bits - 1) {
        const u64 index = sgi_target(sgi1r, static_cast<unsigned>(__builtin_ctz(bits)));
        if (index < vm.desc->vcpu_count) vgic_inject(vm.vcpus[index], intid);
    }
}

} // namespace

void vgic_send_sgi(Vcpu& from, u64 sgi1r) {
    const u32 intid = static_cast<u32>((sgi1r >> 24) & 0xf);
    // Every vCPU's Aff3 and Aff2 are 0 (VMPIDR holds Aff1.Aff0 only): a
    // targeted SGI for another cluster reaches nobody.
    const bool irm = (sgi1r >> 40) & 1;
    if (!irm && (((sgi1r >> 32) & 0xff) != 0 || ((sgi1r >> 48) & 0xff) != 0)) return;
    // One target, the common IPI: only the vCPU named is looked at (a tail call).
    const u32 list = sgi1r & 0xffff;
    if (!irm && list != 0 && (list & (list - 1)) == 0) {
        const u64 index = sgi_target(sgi1r, static_cast<unsigned>(__builtin_ctz(list)));
        if (index < from.vm->desc->vcpu_count) vgic_inject(from.vm->vcpus[index], intid);
        return;
    }
    send_sgi_many(from, sgi1r, intid);
}

namespace {

bool vgicd_access_locked(Vcpu& v, u64 off, unsigned size, bool write, u64& value) {
    Vm& vm = *v.vm;
    LockGuard guard(vm.vgic.lock);
    if (off >= 0x6100 && off < 0x6100 + 8 * VGIC_NR_SPIS) { // IROUTER<n>, n = 32..
        const u64 n = (off - 0x6100) / 8;
        const bool high = (off & 4) != 0;
        if (size == 8 && !high) {
            if (write) {
                vm.vgic.route[n] = value & (0xff'00ff'ffffull | IROUTER_IRM);
                bump(vm);
            } else {
                value = vm.vgic.route[n];
            }
            return true;
        }
        if (size == 4) { // either 32-bit half, as the architecture allows
            u64& r = vm.vgic.route[n];
            if (write) {
                const u64 merged = high ? (r & 0xffff'ffffull) | (value << 32) : (r & ~0xffff'ffffull) | value;
                r = merged & (0xff'00ff'ffffull | IROUTER_IRM);
                bump(vm);
            } else {
                value = high ? r >> 32 : r & 0xffff'ffff;
            }
            return true;
        }
        return false;
    }
    if (off >= 0x400 && off < 0x420) { // IPRIORITYR of SGIs and PPIs: in the redistributors (ARE), RAZ/WI here
        if (!write) value = 0;
        return true;
    }
    if (off >= 0x420 && off < 0x400 + VGIC_NR_IRQS) { // IPRIORITYR, SPIs only
        if (write)
            prio_write(v, static_cast<u32>(off - 0x400), size, value, VGIC_NR_IRQS);
        else
            value = prio_read(v, static_cast<u32>(off - 0x400), size, VGIC_NR_IRQS);
        return true;
    }
    if (size != 4) return false;
    const u32 w = static_cast<u32>(value);
    auto bank = [&](u64 base, BitReg kind) {
        const u32 first = static_cast<u32>((off - base) * 8);
        if (first == 0) { // the private bank lives in the redistributors when ARE = 1
            if (!write) value = 0;
        } else if (write) {
            bits_write(v, first, kind, w);
        } else {
            value = bits_read(v, first, kind);
        }
        return true;
    };
    if (off >= 0x100 && off < 0x180) return bank(0x100, BitReg::enable_set);
    if (off >= 0x180 && off < 0x200) return bank(0x180, BitReg::enable_clear);
    if (off >= 0x200 && off < 0x280) return bank(0x200, BitReg::pend_set);
    if (off >= 0x280 && off < 0x300) return bank(0x280, BitReg::pend_clear);
    if (off >= 0x300 && off < 0x380) return bank(0x300, BitReg::active_set);
    if (off >= 0x380 && off < 0x400) return bank(0x380, BitReg::active_clear);
    if (off >= 0xc08 && off < 0xd00) {
        const u32 first = static_cast<u32>((off - 0xc00) * 4);
        if (write)
            cfg_write(v, first, w);
        else
            value = cfg_read(v, first);
        return true;
    }
    switch (off) {
    case 0x0000:
        if (write) {
            vm.vgic.ctlr = w & GICD_CTLR_ENABLE_G1;
            bump(vm);
        } else {
            value = vm.vgic.ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
        }
        return true;
    case 0x0004: // TYPER, IIDR, PIDR2: read above; writes ignored
    case 0x0008:
    case 0xffe8: return true;
    default:
        if (off >= 0x080 && off < 0x100) { // IGROUPR: all group 1
            if (!write) value = off == 0x080 ? 0 : 0xffff'ffff;
            return true;
        }
        if (!write) value = 0; // TYPER2, STATUSR, ITARGETSR, IGRPMODR, NSACR…: RAZ/WI
        return true;
    }
}

bool vgicr_access_locked(Vcpu& v, u64 offset, unsigned size, bool write, u64& value) {
    Vm& vm = *v.vm;
    const u64 index = offset / VGICR_STRIDE;
    if (index >= vm.desc->vcpu_count) return false;
    Vcpu& target = vm.vcpus[index];
    const u64 off = offset % VGICR_STRIDE;
    LockGuard guard(vm.vgic.lock);
    if (off >= 0x10000) return private_access(target, off - 0x10000, size, write, value);
    switch (off) {
    case 0x0008: // TYPER: affinity, processor number, Last
        if (write) return true;
        value = (static_cast<u64>(target.index & 0xff) << 32) | (static_cast<u64>((target.index >> 8) & 0xff) << 40) |
                (static_cast<u64>(target.index) << 8) | (index + 1 == vm.desc->vcpu_count ? (1u << 4) : 0);
        if (size == 4) value &= 0xffff'ffff;
        return true;
    case 0x000c: // upper half of TYPER, read as a word
        if (!write) value = (target.index & 0xff) | (static_cast<u64>((target.index >> 8) & 0xff) << 8);
        return true;
    case 0x0004:
        if (!write) value = VGICD_IIDR;
        return true;
    case 0x0014: // WAKER: ChildrenAsleep follows ProcessorSleep at once
        if (write)
            target.vgic.sleeping = (value >> 1) & 1;
        else
            value = target.vgic.sleeping ? 0x6 : 0;
        return true;
    case 0xffe8:
        if (!write) value = VGICD_PIDR2;
        return true;
    default:
        if (!write) value = 0; // CTLR (no LPIs), STATUSR, PROPBASER…: RAZ/WI
        return true;
    }
}

/// A write to ISPENDR or ISENABLER (`set` at `base`, 32 interrupts from
/// `first`) may give a vCPU an interrupt to take now: each target is told,
/// after the vGIC's lock — woken if it waits in WFI, its core kicked if it
/// runs there (it may be asleep in native WFI, which only a virtual
/// interrupt ends).
void tell_targets(Vm& vm, Vcpu* only, u32 first, u32 set) {
    for (u32 bits = set; bits != 0; bits &= bits - 1) {
        const u32 intid = first + static_cast<u32>(__builtin_ctz(bits));
        if (intid >= VGIC_NR_IRQS) break;
        if (only != nullptr) {
            notify(*only);
            return; // (one redistributor's SGIs and PPIs: one vCPU)
        }
        if (intid < 32) continue; // (the distributor's private bank is RAZ/WI)
        Vcpu* target = nullptr;
        {
            LockGuard guard(vm.vgic.lock);
            target = &spi_target(vm, intid);
        }
        notify(*target);
    }
}

/// The set-enable and set-pending registers, as offsets in the distributor
/// or the SGI frame: [0x100, 0x180) and [0x200, 0x280).
bool sets_something(u64 off) { return (off >= 0x100 && off < 0x180) || (off >= 0x200 && off < 0x280); }

/// Every distributor access but a read of an identification register.
[[gnu::noinline]] bool vgicd_access_slow(Vcpu& v, u64 off, unsigned size, bool write, u64& value) {
    const bool ok = vgicd_access_locked(v, off, size, write, value);
    if (ok && write && size == 4 && sets_something(off) && value != 0)
        tell_targets(*v.vm, nullptr, static_cast<u32>((off & 0x7f) * 8), static_cast<u32>(value));
    return ok;
}

} // namespace

bool vgicd_access(Vcpu& v, u64 off, unsigned size, bool write, u64& value) {
    if (vgicd_read_constant(off, size, write, value)) return true; // (without the lock, or a stack frame)
    return vgicd_access_slow(v, off, size, write, value);
}

bool vgicr_access(Vcpu& v, u64 offset, unsigned size, bool write, u64& value) {
    const bool ok = vgicr_access_locked(v, offset, size, write, value);
    const u64 index = offset / VGICR_STRIDE;
    const u64 off = offset % VGICR_STRIDE;
    if (ok && write && size == 4 && off >= 0x10000 && sets_something(off - 0x10000) && value != 0 &&
        index < v.vm->desc->vcpu_count)
        tell_targets(*v.vm, &v.vm->vcpus[index], 0, static_cast<u32>(value));
    return ok;
}

} // namespace tessera

// arch_host.cpp (host fake) — the architecture interface (arch.hpp) for unit tests: time and cores the test drives,
// calls recorded.
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "arch.hpp"
#include "fake_arch.hpp"
#include "sched.hpp"
#include "vm.hpp"

namespace tessera::arch {

namespace fake {

Machine& machine() {
    static Machine m;
    return m;
}

void reset() {
    Machine& m = machine();
    m.core = 0;
    m.ticks = 0;
    for (u64& t : m.timer) t = ~0ull;
    for (auto& k : m.kicks) k = 0;
    m.resets = 0;
    m.released = 0;
    m.on_wait = nullptr;
    m.rndr = false;
    m.rndr_draws = 0;
    m.sve_vq = 0;
    m.mte = false;
    m.ticks_per_zeroed_mib = 0;
    m.cleaned.clear();
    m.scrubbed = 0;
    m.tlb_flushes = 0;
    m.vm_tlb_flushes = 0;
    m.fp_borrows = 0;
    m.icache_forgets = 0;
    m.tags_cleared = 0;
    m.lr_count = 4;
    m.placed.clear();
    m.finished.clear();
    m.refills = 0;
}

} // namespace fake

namespace {
constexpr u64 TICKS_PER_US = 1000;
} // namespace

void vcpu_reset(Vcpu& v, Ipa entry, u64 x0) {
    v.ctx = {};
    v.ctx.regs.elr = entry.raw();
    v.ctx.regs.x[0] = x0;
    ++fake::machine().resets;
}

void run_vcpu(PerCore&, Vcpu& v) { throw fake::Entered{fake::machine().core, &v}; }

u64 inject_external_abort(Vcpu& v, u64, bool, bool) { return v.ctx.regs.elr + 0x200; }

void inject_undefined(Vcpu&) {}

namespace {

/// A scrub's time on the fake counter: ticks_per_zeroed_mib for each MiB covered (kept exact across pieces).
void scrub_time(u64 size) {
    auto& m = fake::machine();
    const u64 before = m.scrubbed * m.ticks_per_zeroed_mib / MiB;
    m.scrubbed += size;
    m.ticks += m.scrubbed * m.ticks_per_zeroed_mib / MiB - before;
}

} // namespace

void zero_to_poc(void* p, u64 size) {
    std::memset(p, 0, size);
    scrub_time(size);
    fake::machine().cleaned.push_back({reinterpret_cast<u64>(p), size});
}

void forget_instructions() { ++fake::machine().icache_forgets; }
bool el2_tags() { return fake::machine().mte; }
void clear_tags(void*, u64 size) { fake::machine().tags_cleared += size; }

void clean_dcache_to_poc(const void* p, u64 size) {
    scrub_time(size); // (a reload's copied part)
    fake::machine().cleaned.push_back({reinterpret_cast<u64>(p), size});
}

void kick_core(unsigned core) { ++fake::machine().kicks[core]; }

bool lr_place(Vcpu& v, const LrEntry& e) {
    if (v.lrs_used >= fake::machine().lr_count) return false;
    fake::machine().placed.push_back({&v, e});
    ++v.lrs_used;
    return true;
}

bool lr_refill(Vcpu& v, u32 intid, u8, bool hw) {
    auto& done = fake::machine().finished;
    for (auto it = done.begin(); it != done.end(); ++it) {
        if (it->vcpu != &v || it->intid != intid || it->hw != hw) continue;
        done.erase(it);
        ++fake::machine().refills;
        return true;
    }
    return false;
}

void lrs_drain(PerCore& core) {
    Vcpu* v = core.loaded;
    if (v == nullptr || v->lrs_used == 0) return;
    auto& placed = fake::machine().placed;
    // As the hardware would hand them back before the guest ran: still pending.
    for (auto it = placed.begin(); it != placed.end();) {
        if (it->vcpu != v) {
            ++it;
            continue;
        }
        vgic_writeback(*v, it->entry);
        it = placed.erase(it);
    }
    v->lrs_used = 0;
}

void idle_wait() { throw fake::Idled{fake::machine().core}; }

void vm_release_hw(Vm&) { ++fake::machine().released; }

void stage2_unmapped() { ++fake::machine().tlb_flushes; }
void stage2_forget(const Vm&) { ++fake::machine().vm_tlb_flushes; }

u64 now_us() { return fake::machine().ticks / TICKS_PER_US; }

u64 now_ticks() { return fake::machine().ticks; }

u64 us_to_ticks(u64 us) { return us * TICKS_PER_US; }

bool hardware_random(u64& out) {
    if (!fake::machine().rndr) return false;
    out = 0x9e37'79b9'7f4a'7c15ull * ++fake::machine().rndr_draws;
    return true;
}

void fp_borrow() { ++fake::machine().fp_borrows; }

bool board_has_mte() { return fake::machine().mte; }

bool pmu_lent() { return true; }

unsigned sve_vector_granules(unsigned vq) { return vq < fake::machine().sve_vq ? vq : fake::machine().sve_vq; }

void set_core_timer(u64 deadline) {
    fake::machine().timer[fake::machine().core] = deadline;
    g_cores[fake::machine().core].timer_at = deadline == ~0ull ? 0 : deadline; // (as the hardware's arch keeps it)
}

void wait_event() {
    fake::Machine& m = fake::machine();
    m.ticks += 16 * TICKS_PER_US; // the event stream's period
    if (m.on_wait) m.on_wait();
}

void route_device_irq(u32, unsigned) {}
void move_device_irq(u32, unsigned) {}

unsigned this_core() { return fake::machine().core; }

void system_off() { throw fake::PoweredOff{}; }

void panic(const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    throw fake::Panicked{buf};
}

} // namespace tessera::arch

// vm_health.cpp — restart decisions, back-off and watchdog expiry, run by each VM's home core.
#include "vm_health.hpp"

#include "arch.hpp"
#include "failover.hpp"
#include "format.hpp"
#include "page_alloc.hpp"
#include "ram_fill.hpp"
#include "sched.hpp"
#include "string.hpp"
#include "system_image.hpp"
#include "ticks.hpp"
#include "vm.hpp"

namespace tessera {

namespace {

/// Lowers `core`'s health_at (0: nothing) to `t` (~0: nothing) unless it is
/// already earlier; a deadline brought forward unsettles the core.
void lower_to(PerCore& core, u64 t) {
    if (t == ~0ull) return;
    if (t == 0) t = 1; // (0 means nothing: an event at the counter's start is due at tick 1)
    std::atomic<u64>& slot = core.health_at;
    u64 cur = slot.load(std::memory_order_acquire);
    while (cur == 0 || t < cur) {
        if (slot.compare_exchange_weak(cur, t, std::memory_order_seq_cst, std::memory_order_acquire)) {
            unsettle(core);
            return;
        }
    }
}

/// The back-off before the `n`-th restart (1-based) of a window: doubled each time, capped.
u64 backoff_ms(u32 base, u32 n) {
    if (base == 0) return 0;
    u64 ms = base;
    for (u32 i = 1; i < n && ms < sysimg::MAX_BACKOFF_MS; ++i) ms *= 2;
    return ms < sysimg::MAX_BACKOFF_MS ? ms : sysimg::MAX_BACKOFF_MS;
}

unsigned home_core(const Vm& vm) { return vm.vcpus[0].core; }

/// `vm` cannot be restarted: it stays stopped, saying why.
void not_restarted(Vm& vm, const char* why) {
    vm.health.restart_at.store(~0ull, std::memory_order_release);
    log("vm %s: not restarted: %s", vm.name(), why); // (said before it counts as stopped: see vm_stop)
    vm.state.store(VmState::failed, std::memory_order_release);
    console_vm_stopped(vm.id);
    if (const u16 p = vm.desc->failure.partner; p != 0 && g_vms.vms[p - 1].standby.load(std::memory_order_acquire))
        failover_partner_ended(g_vms.vms[p - 1]);
    vms_power_off_if_all_stopped();
}

/// Whether a vCPU other than those of a restarting VM wants `core`.
bool others_want(PerCore& core) {
    LockGuard guard(core.queue_lock);
    const Vcpu* cur = core.current.load(std::memory_order_relaxed);
    return !core.ready.empty() || (cur != nullptr && cur->state.load(std::memory_order_acquire) == VcpuState::runnable);
}

/// One step of starting `vm` again from its images (its home core, its
/// back-off over): off its cores first, then its RAM forgotten, to be
/// scrubbed on first touch (ram_fill.hpp) — or, scrubbed eagerly, rewritten
/// (zeros and its images) a slice at a time, the slice charged to its
/// budget here, not to the vCPU it interrupted, and the core's other vCPUs
/// given as long again before the next — then its devices and vCPU 0. It runs again after
/// the last step (or has failed for good). Returns the ticks the step took.
u64 restart_step(Vm& vm, PerCore& core) {
    VmHealth& h = vm.health;
    const u64 start = arch::now_ticks();
    if (h.scrub_next == ~0ull) {
        char why[64];
        if (!vm_quiesce(vm, why, sizeof why)) {
            not_restarted(vm, why);
            return arch::now_ticks() - start;
        }
        arch::vm_release_hw(vm);
        vm_load_begin(vm);
        h.scrub_next = 0;
        if (vm.fill_lazily) {
            // Its RAM forgotten, to be filled again on first touch: nothing to scrub now.
            vm_unfill(vm);
            h.scrub_next = vm.ram.size;
        }
    }
    Budget& budget = vm.budget[core.index];
    u64 slice = arch::us_to_ticks(SLICE_US);
    if (budget.budget != 0 && budget.remaining(start) < slice) slice = budget.remaining(start);
    if (slice != 0) h.scrub_next = vm_scrub(vm, h.scrub_next, start + slice);
    const u64 now = arch::now_ticks();
    const u64 took = now - start;
    if (budget.budget != 0) budget.charge(now, took);
    // Not the interrupted vCPU's time, nor its turn's.
    core.run_start += took;
    __atomic_store_n(&core.slice_end, core.slice_end + took, __ATOMIC_RELAXED); // (other cores read it: sched.cpp)
    if (h.scrub_next < vm.ram.size) {
        u64 next = others_want(core) ? now + took : now;
        if (budget.budget != 0 && budget.remaining(now) == 0) next = budget.next_period(now);
        h.restart_at.store(next, std::memory_order_release);
        return took;
    }
    h.scrub_next = ~0ull;
    h.restart_at.store(~0ull, std::memory_order_release);
    vm_load_finish(vm);
    // Running only now: nothing is injected into it while its memory is rewritten
    // (its vCPU 0 runs once this core decides).
    vm.state.store(VmState::running, std::memory_order_release);
    if (const char* who = h.requested_by; who != nullptr) {
        h.requested_by = nullptr;
        log("vm %s: restarted from its original images, its RAM scrubbed%s, at %s request (hypervisor free memory "
            "%llu bytes)",
            vm.name(), vm.fill_lazily ? " on first touch" : "", who,
            static_cast<unsigned long long>(g_vms.pool != nullptr ? g_vms.pool->free_bytes() : 0));
        return took;
    }
    const u64 since = arch::now_ticks() - h.failed_at;
    log("vm %s: restarted from its original images, its RAM scrubbed%s, %llu us after it failed (restart %u; "
        "hypervisor free memory %llu bytes)",
        vm.name(), vm.fill_lazily ? " on first touch" : "",
        static_cast<unsigned long long>(ticks_to_us(since, arch::us_to_ticks(1'000'000))), h.restarts,
        static_cast<unsigned long long>(g_vms.pool != nullptr ? g_vms.pool->free_bytes() : 0));
    return took;
}

/// `vm` failed as its pair's active VM: off its cores, then its partner takes over.
void take_over(Vm& vm) {
    Vm& partner = g_vms.vms[vm.desc->failure.partner - 1];
    char why[64];
    if (!vm_quiesce(vm, why, sizeof why)) {
        log("vm %s: no takeover by vm %s: %s", vm.name(), partner.name(), why);
        return;
    }
    if (partner.state.load(std::memory_order_acquire) != VmState::running) {
        log("vm %s: no takeover: vm %s is not running", vm.name(), partner.name());
        return;
    }
    failover_hand_over(vm, partner);
}

} // namespace

RestartClaim vm_health_claim_restart(Vm& vm, char* line, usize cap) {
    const FailurePolicy& p = vm.desc->failure;
    if (p.action != sysimg::FAILURE_RESTART && p.action != sysimg::FAILURE_FAILOVER) return RestartClaim::no;
    VmHealth& h = vm.health;
    LockGuard guard(h.lock);
    if (vm.state.load(std::memory_order_acquire) != VmState::running) return RestartClaim::already;
    const u64 now = arch::now_ticks();
    if (h.window_restarts == 0 || now - h.window_start >= arch::us_to_ticks(u64{p.window_ms} * 1000)) {
        h.window_start = now;
        h.window_restarts = 0;
    }
    const usize used = strlen(line);
    const u32 window_s = p.window_ms / 1000;
    Vm* partner = p.partner != 0 ? &g_vms.vms[p.partner - 1] : nullptr;
    const bool takeover = partner != nullptr && !vm.standby.load(std::memory_order_acquire) &&
                          partner->state.load(std::memory_order_acquire) == VmState::running;
    if (h.window_restarts >= p.max_restarts) {
        const usize at =
            used + format_to(line + used, cap - used, "; not restarted: %u restarts within %u s (max_restarts)",
                             h.window_restarts, window_s);
        if (!takeover) return RestartClaim::no;
        // Its partner still takes over (the service lives on); then it stops for good.
        VmState expected = VmState::running;
        if (!vm.state.compare_exchange_strong(expected, VmState::restarting, std::memory_order_acq_rel,
                                              std::memory_order_acquire))
            return RestartClaim::already;
        h.failed_at = now;
        h.final_after_takeover = true;
        h.takeover_pending.store(true, std::memory_order_release);
        format_to(line + at, cap - at, "; vm %s takes over", partner->name());
        return RestartClaim::yes;
    }
    VmState expected = VmState::running;
    if (!vm.state.compare_exchange_strong(expected, VmState::restarting, std::memory_order_acq_rel,
                                          std::memory_order_acquire))
        return RestartClaim::already;
    ++h.window_restarts;
    ++h.restarts;
    h.failed_at = now;
    const u64 delay = backoff_ms(p.backoff_ms, h.window_restarts);
    h.restart_at.store(now + arch::us_to_ticks(delay * 1000), std::memory_order_release);
    // A pair's active VM: its running standby takes over at once (its home core does it first).
    h.takeover_pending.store(takeover, std::memory_order_release);
    const usize at =
        used + format_to(line + used, cap - used, "; restart %u of %u within %u s, in %llu ms", h.window_restarts,
                         p.max_restarts, window_s, static_cast<unsigned long long>(delay));
    if (takeover) format_to(line + at, cap - at, ", as the standby: vm %s takes over", partner->name());
    return RestartClaim::yes;
}

bool vm_restart_request(Vm& vm, const char* who, bool running_only) {
    VmHealth& h = vm.health;
    {
        LockGuard guard(h.lock);
        VmState s = vm.state.load(std::memory_order_acquire);
        if (s == VmState::restarting || (running_only && s != VmState::running) ||
            !vm.state.compare_exchange_strong(s, VmState::restarting, std::memory_order_acq_rel,
                                              std::memory_order_acquire))
            return false;
        h.requested_by = who;
    }
    vm_stop_vcpus(vm);
    // Due only now that its vCPUs are stopped: a home core restarting it sooner would see them stopped after.
    h.restart_at.store(arch::now_ticks(), std::memory_order_release);
    log("vm %s: restarting at %s request", vm.name(), who);
    vm_health_changed(vm);
    return true;
}

void vm_health_changed(Vm& vm) {
    const u64 watchdog = vm.watchdog.deadline.load(std::memory_order_acquire);
    // A takeover is due at once, whatever the restart's back-off.
    const u64 restart = vm.health.takeover_pending.load(std::memory_order_acquire)
                            ? 1
                            : vm.health.restart_at.load(std::memory_order_acquire);
    const unsigned home = home_core(vm);
    lower_to(g_cores[home], watchdog < restart ? watchdog : restart);
    arch::kick_core(home); // (returning from an exit on the home core re-arms its timer anyway)
}

void vm_health_run(PerCore& core) {
    const u64 due = core.health_at.load(std::memory_order_acquire);
    if (due == 0 || due > arch::now_ticks()) return;
    // Cleared before the scan: an event another core adds meanwhile is
    // either seen by the scan or lowers the value again after it.
    core.health_at.store(0, std::memory_order_release);
    u64 next = ~0ull;
    u64 stepped = 0; // ticks a restart step took in this pass: one per pass, then the vCPUs' turn
    for (u16 i = 0; i < g_vms.count; ++i) {
        Vm& vm = g_vms.vms[i];
        if (vm.vcpus == nullptr || home_core(vm) != core.index) continue;
        const u64 now = arch::now_ticks();
        if (vm.state.load(std::memory_order_acquire) == VmState::restarting) {
            if (vm.health.takeover_pending.exchange(false, std::memory_order_acq_rel)) take_over(vm);
            if (vm.health.final_after_takeover) { // its limit was reached: it stays stopped
                vm.health.final_after_takeover = false;
                log("vm %s: stays stopped (max_restarts)", vm.name());
                vm.state.store(VmState::failed, std::memory_order_release);
                console_vm_stopped(vm.id);
                vms_power_off_if_all_stopped();
                continue;
            }
            u64 at = vm.health.restart_at.load(std::memory_order_acquire);
            if (at <= now && stepped != 0) {
                at = now + stepped; // (another VM's step ran: this one's after the vCPUs' turn)
            } else if (at <= now) {
                stepped = restart_step(vm, core) | 1;
                at = vm.health.restart_at.load(std::memory_order_acquire);
            }
            if (vm.state.load(std::memory_order_acquire) == VmState::restarting) {
                next = at < next ? at : next;
                continue;
            }
        }
        if (vm.state.load(std::memory_order_acquire) != VmState::running) continue;
        const u64 deadline = vm.watchdog.deadline.load(std::memory_order_acquire);
        if (deadline > now) {
            next = deadline < next ? deadline : next;
            continue;
        }
        char why[96];
        format_to(why, sizeof why, "its watchdog expired (not kicked for %llu ms)",
                  static_cast<unsigned long long>(2 * (u64{vm.watchdog.load} + 1) / 1000));
        vm.watchdog.deadline.store(~0ull, std::memory_order_release);
        vm_stop(vm, StopReason::watchdog, 0, why);
    }
    lower_to(core, next);
}

} // namespace tessera

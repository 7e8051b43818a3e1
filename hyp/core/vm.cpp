// vm.cpp — VMs at run time: stopping, restarting's quiesce and reset, device interrupts, the memory audit.
#include "vm.hpp"

#include "boot_only.hpp"

#include "arch.hpp"
#include "board.hpp"
#include "checked_range.hpp"
#include "entropy.hpp"
#include "failover.hpp"
#include "format.hpp"
#include "sched.hpp"
#include "string.hpp"

namespace tessera {

constinit VmTable g_vms;

namespace {

const char* reason_text(StopReason r) {
    switch (r) {
    case StopReason::poweroff: return "powered off";
    case StopReason::exit_code: return "exited";
    case StopReason::fault: return "stopped after a fault";
    case StopReason::unhandled_trap: return "stopped on an unhandled trap";
    case StopReason::last_cpu_off: return "last vCPU turned off";
    case StopReason::reset_failed: return "not restarted";
    case StopReason::refused: return "refused at boot";
    case StopReason::watchdog: return "failed";
    }
    return "?";
}

/// Ends the VM's unfinished console rows (its UART's and each vCPU's).
void flush_console(Vm& vm) {
    vm.console.flush(vm.name());
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) vm.vcpus[i].console.flush(vm.name());
}

} // namespace

void vms_power_off_if_all_stopped() {
    if (g_vms.stops_unsaid.load(std::memory_order_acquire) != 0) return; // (that stop calls again once said)
    unsigned failed = 0;
    for (u16 i = 0; i < g_vms.count; ++i) {
        const VmState s = g_vms.vms[i].state.load(std::memory_order_acquire);
        if (s == VmState::running || s == VmState::restarting) return;
        if (s == VmState::failed) ++failed;
    }
    // Two cores may stop the last two VMs at once: one of them reports.
    if (g_vms.powering_off.exchange(1u, std::memory_order_acq_rel) != 0) return;
    if (failed == 0) {
        log("all %u VMs ended cleanly; powering off", g_vms.count);
    } else {
        log("%u of %u VMs failed; powering off", failed, g_vms.count);
    }
    arch::system_off();
}

void vm_stop_vcpus(Vm& vm) {
    flush_console(vm);
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i)
        vm.vcpus[i].state.store(VcpuState::stopped, std::memory_order_release);
    // vCPUs of this VM loaded on other cores must leave them now.
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
        if (g_cores[vm.vcpus[i].core].current.load(std::memory_order_acquire) == &vm.vcpus[i]) {
            arch::kick_core(vm.vcpus[i].core);
        }
    }
}

TESSERA_BOOT_ONLY void vm_refuse(Vm& vm, const char* why) {
    vm.state.store(VmState::failed, std::memory_order_release);
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i)
        vm.vcpus[i].state.store(VcpuState::stopped, std::memory_order_release);
    log("vm %s: %s: %s", vm.name(), reason_text(StopReason::refused), why);
}

void vm_stop(Vm& vm, StopReason reason, u64 code, const char* why) {
    const bool clean = reason == StopReason::poweroff || reason == StopReason::last_cpu_off ||
                       (reason == StopReason::exit_code && code == 0);
    char line[224];
    if (reason == StopReason::exit_code) {
        format_to(line, sizeof line, "%s with code %llu%s%s", reason_text(reason),
                  static_cast<unsigned long long>(code), why[0] ? ": " : "", why);
    } else {
        format_to(line, sizeof line, "%s%s%s", reason_text(reason), why[0] ? ": " : "", why);
    }
    // Counted before its state changes, uncounted once its line is out.
    g_vms.stops_unsaid.fetch_add(1, std::memory_order_acq_rel);
    const RestartClaim restart = clean ? RestartClaim::no : vm_health_claim_restart(vm, line, sizeof line);
    if (restart == RestartClaim::already) { // someone else stopped it first, or it restarts already
        g_vms.stops_unsaid.fetch_sub(1, std::memory_order_acq_rel);
        return;
    }
    if (restart == RestartClaim::no) {
        VmState expected = VmState::running;
        if (!vm.state.compare_exchange_strong(expected, clean ? VmState::ended : VmState::failed,
                                              std::memory_order_acq_rel, std::memory_order_acquire)) {
            g_vms.stops_unsaid.fetch_sub(1, std::memory_order_acq_rel);
            return; // someone else stopped it first
        }
    }
    vm_stop_vcpus(vm);
    // A failure says when, for the steps of a restart or a failover that follow.
    if (!clean) {
        const usize used = strlen(line);
        format_to(line + used, sizeof line - used, " (at %llu us)", static_cast<unsigned long long>(arch::now_us()));
    }
    log("vm %s: %s", vm.name(), line);
    if (restart == RestartClaim::no) {
        console_vm_stopped(vm.id);
        // Its standby would wait for ever: it is told.
        if (const u16 p = vm.desc->failure.partner; p != 0 && g_vms.vms[p - 1].standby.load(std::memory_order_acquire))
            failover_partner_ended(g_vms.vms[p - 1]);
    }
    g_vms.stops_unsaid.fetch_sub(1, std::memory_order_acq_rel);
    if (restart == RestartClaim::yes) {
        vm_health_changed(vm); // its home core restarts it when the back-off is over
        return;
    }
    vms_power_off_if_all_stopped();
}

/// How long a core may take to leave a vCPU after being kicked.
constexpr u64 VCPU_STOP_TIMEOUT_US = 1'000'000;

bool vcpu_leave_core(Vcpu& v) {
    if (v.core == arch::this_core()) return true; // (this core runs something else: the caller)
    arch::kick_core(v.core);
    // That core may itself be waiting for this one to let go of a vCPU of a
    // VM it quiesces: this one does, while it waits.
    PerCore& here = g_cores[arch::this_core()];
    return arch::wait_until(
        [&] {
            let_go_of_stopped(here);
            return g_cores[v.core].current.load(std::memory_order_acquire) != &v;
        },
        VCPU_STOP_TIMEOUT_US);
}

bool vcpu_wait_off_core(Vcpu& v, const Vcpu& caller) {
    if (v.core == arch::this_core()) return true; // (this core runs the caller)
    return arch::wait_until(
               [&] {
                   return g_cores[v.core].current.load(std::memory_order_acquire) != &v ||
                          caller.state.load(std::memory_order_acquire) != VcpuState::runnable;
               },
               VCPU_STOP_TIMEOUT_US) &&
           caller.state.load(std::memory_order_acquire) == VcpuState::runnable;
}

bool vm_quiesce(Vm& vm, char* why, usize cap) {
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
        vm.vcpus[i].state.store(VcpuState::off, std::memory_order_release);
    }
    // Every other vCPU of the VM must be off its core before its memory and
    // state are rewritten.
    for (u16 i = 0; i < vm.desc->vcpu_count; ++i) {
        Vcpu& v = vm.vcpus[i];
        if (!vcpu_leave_core(v)) {
            // Its memory may still be in use there: rewriting it now could
            // corrupt what that core does.
            format_to(why, cap, "core %u did not let go of vCPU %u within 1 s", v.core, v.index);
            return false;
        }
    }
    return true;
}

void vm_reset(Vm& vm) {
    // Its home core reloads it (vm_health.hpp), in slices: a large VM's
    // scrub does not hold this core, nor any other, for long.
    (void)vm_restart_request(vm, "its own", true);
}

namespace {
constinit Vm* g_device_owner[board::DEVICE_COUNT]{};
} // namespace

Vm* device_owner(unsigned device) { return __atomic_load_n(&g_device_owner[device], __ATOMIC_ACQUIRE); }

void set_device_owner(unsigned device, Vm* vm) { __atomic_store_n(&g_device_owner[device], vm, __ATOMIC_RELEASE); }

bool device_irq_forward(u32 intid) {
    for (unsigned i = 0; i < board::DEVICE_COUNT; ++i) {
        Vm* owner = device_owner(i); // (a failover moves it)
        if (board::DEVICES[i].intid != intid || owner == nullptr) continue;
        if (owner->state.load(std::memory_order_acquire) != VmState::running) return false;
        // Hardware-linked: the guest's end of interrupt deactivates the
        // physical one, so the device cannot interrupt again before then.
        vgic_inject(owner->vcpus[0], intid, true);
        return true;
    }
    return false;
}

bool vm_memory_private(const Vm& vm, u64& audited) {
    const PhysRange mine{vm.ram_pa, vm.ram.size};
    bool alone = true;
    audited = 0;
    for (u16 i = 0; i < g_vms.count; ++i) {
        const Vm& other = g_vms.vms[i];
        if (&other == &vm || other.stage2.root().raw() == 0) continue; // (itself; a VM refused at boot)
        // A VM scrubbed on first touch maps pieces of its RAM as it goes:
        // all of that RAM is audited as one mapping, now, and its leaves
        // there are not counted again (so the count does not move with them).
        const u64 lazy = other.fill_lazily ? other.ram.size : 0;
        if (lazy != 0) {
            ++audited;
            if (mine.overlaps({other.ram_pa, lazy})) alone = false;
        }
        other.stage2.for_each_leaf([&](Ipa, PhysAddr pa, u64 size) {
            // (A leaf that starts in its RAM is one of its pieces, which a
            // fill maps whole and inside it: audited above.)
            if (pa - other.ram_pa < lazy) return;
            ++audited;
            if (mine.overlaps({pa, size})) alone = false;
        });
    }
    return alone;
}

} // namespace tessera

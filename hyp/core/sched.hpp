// sched.hpp — per-core state and run queues of vCPUs.
#pragma once

#include <stddef.h>

#include "layout.hpp"
#include "spinlock.hpp"
#include "vm.hpp"

namespace tessera {

inline constexpr unsigned MAX_CORES = TESSERA_MAX_CORES;

/// FIFO of runnable vCPUs on one core.
class RunQueue {
public:
    /// Appends `v` (which must not be queued anywhere).
    void push(Vcpu& v);
    /// Removes and returns the first vCPU, or nullptr if empty.
    Vcpu* pop();
    [[nodiscard]] bool empty() const { return head_ == nullptr; }

private:
    Vcpu* head_ = nullptr;
    Vcpu* tail_ = nullptr;
};

/// One physical core. TPIDR_EL2 points here while the core runs.
struct PerCore {
    arch::GuestRegs* current_regs = nullptr; ///< first: the vectors save a guest here
    Vcpu* current = nullptr;                 ///< the vCPU whose EL1 state is loaded
    Vcpu* loaded = nullptr;                  ///< whose EL1 registers are in the hardware
    RunQueue queue;                          ///< guarded by queue_lock: other cores add to it
    Spinlock queue_lock;
    u64 mpidr = 0;
    u64 stack_top = 0;
    u32 index = 0;
    bool online = false;
};
static_assert(offsetof(PerCore, current_regs) == 0, "entry.S loads the save area from offset 0");

extern PerCore g_cores[MAX_CORES];
extern unsigned g_core_count;

/// Appends `v` to its core's run queue (from any core) and wakes that core.
void core_enqueue(Vcpu& v);

/// Runs the next vCPU of `core`'s queue, or idles until one appears or the
/// machine powers off. Never returns.
[[noreturn]] void schedule(PerCore& core);

} // namespace tessera

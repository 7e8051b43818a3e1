// sched.cpp — run queues and the per-core scheduling loop.
#include "sched.hpp"

#include "arch.hpp"

namespace tessera {

PerCore g_cores[MAX_CORES];
unsigned g_core_count = 0;

void RunQueue::push(Vcpu& v) {
    v.next = nullptr;
    if (tail_ != nullptr)
        tail_->next = &v;
    else
        head_ = &v;
    tail_ = &v;
}

Vcpu* RunQueue::pop() {
    Vcpu* v = head_;
    if (v == nullptr) return nullptr;
    head_ = v->next;
    if (head_ == nullptr) tail_ = nullptr;
    v->next = nullptr;
    return v;
}

void schedule(PerCore& core) {
    // The current vCPU keeps its core until it stops: time slicing between
    // vCPUs sharing a core arrives with the scheduler's timer.
    for (;;) {
        if (core.current != nullptr && core.current->state == VcpuState::runnable) {
            arch::run_vcpu(core, *core.current);
        }
        core.current = nullptr;
        Vcpu* next = core.queue.pop();
        while (next != nullptr && next->state != VcpuState::runnable) next = core.queue.pop();
        if (next != nullptr) {
            core.current = next;
            continue;
        }
        // Nothing to run: sleep, do not spin (a spinning core steals the
        // others' time under emulation and burns power on a chip).
        arch::idle_wait();
    }
}

} // namespace tessera

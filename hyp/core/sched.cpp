// sched.cpp — run queues and the per-core scheduling loop.
#include "sched.hpp"

#include "arch.hpp"

namespace tessera {

PerCore g_cores[MAX_CORES];
unsigned g_core_count = 0;

void RunQueue::push(Vcpu& v) {
    if (v.queued) return;
    v.queued = true;
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
    v->queued = false;
    return v;
}

void core_enqueue(Vcpu& v) {
    PerCore& core = g_cores[v.core];
    {
        LockGuard guard(core.queue_lock);
        // The core's current vCPU is looked at again before anything queued.
        if (core.current != &v) core.queue.push(v);
    }
    arch::kick_core(v.core);
}

void schedule(PerCore& core) {
    // The current vCPU keeps its core until it stops: time slicing between
    // vCPUs sharing a core arrives with the scheduler's timer. Deciding under
    // the queue lock pairs with core_enqueue(): no wake-up is lost.
    for (;;) {
        Vcpu* next = nullptr;
        {
            LockGuard guard(core.queue_lock);
            if (core.current != nullptr && core.current->state == VcpuState::runnable) {
                next = core.current;
            } else {
                core.current = nullptr;
                next = core.queue.pop();
                while (next != nullptr && next->state != VcpuState::runnable) next = core.queue.pop();
                core.current = next;
            }
        }
        if (next != nullptr) arch::run_vcpu(core, *next);
        // Nothing to run: sleep, do not spin (a spinning core steals the
        // others' time under emulation and burns power on a chip).
        arch::idle_wait();
    }
}

} // namespace tessera

// rtos.hpp — a small real-time kernel for a Tessera partition: preemptive fixed-priority threads on the guest kit.
//
// One vCPU. Threads have fixed priorities (higher runs first; round robin
// among equals on each tick), a 1 ms tick from the virtual timer, sleep,
// counting semaphores and message queues. Blocking calls enter the kernel
// with `svc`; the tick preempts. See docs/guest-kit.md.
#pragma once

#include "types.hpp"

namespace rtos {

using tessera::u32;
using tessera::u64;
using tessera::u8;

inline constexpr unsigned MAX_THREADS = 8;
inline constexpr u64 TICK_US = 1000;

struct Thread;

/// A counting semaphore; waiters are woken highest priority first.
struct Semaphore {
    long count = 0;
    Thread* waiters = nullptr;
};

/// Sets up the tick (virtual timer) and the idle thread. Call first.
void init();
/// Creates a thread that runs `fn(arg)` at `priority` (1..31). Before or after start().
void create(const char* name, u8 priority, void (*fn)(u64), u64 arg);
/// Starts scheduling; never returns.
[[noreturn]] void start();

/// Ticks since start().
u64 ticks();
/// Sleeps until tick `when` (returns at once if it has passed).
void sleep_until(u64 when);
/// Gives way to ready threads of the same priority.
void yield();
void wait(Semaphore& s);
void post(Semaphore& s);

/// The worst delay seen from a tick's timer deadline to its handler, in ns.
u64 worst_tick_latency_ns();

/// A bounded message queue of T between threads; send blocks when full,
/// receive when empty.
template <class T, unsigned N> class Queue {
public:
    void send(const T& item) {
        wait(free_);
        const u64 flags = mask();
        ring_[tail_] = item;
        tail_ = (tail_ + 1) % N;
        restore(flags);
        post(used_);
    }
    T receive() {
        wait(used_);
        const u64 flags = mask();
        const T item = ring_[head_];
        head_ = (head_ + 1) % N;
        restore(flags);
        post(free_);
        return item;
    }

private:
    static u64 mask() {
        u64 f;
        asm volatile("mrs %0, daif; msr daifset, #2" : "=r"(f)::"memory");
        return f;
    }
    static void restore(u64 f) { asm volatile("msr daif, %0" ::"r"(f) : "memory"); }

    T ring_[N]{};
    unsigned head_ = 0, tail_ = 0;
    Semaphore free_{N, nullptr};
    Semaphore used_{0, nullptr};
};

} // namespace rtos

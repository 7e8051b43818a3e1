// sched_queue.hpp — the scheduler's data structures: FIFOs per priority, CPU budgets, a timer list.
//
// Generic over the queued type T, which provides `T* next`, `bool queued`,
// `u8 priority` and (for TimerList) `T* timer_next`, `bool on_timer_list`,
// `u64 wake_at`; so the host unit tests drive them with a small struct.
#pragma once

#include <atomic>

#include "relaxed_peek.hpp"
#include "types.hpp"

namespace tessera {

/// Priority levels of vCPUs: 0 (lowest) .. PRIORITY_LEVELS-1 (runs first).
inline constexpr unsigned PRIORITY_LEVELS = 16;

/// Singly linked FIFO through T::next; an element is in at most one queue.
template <class T> class Fifo {
public:
    /// Appends `v` unless it is already queued somewhere.
    void push(T& v) {
        if (v.queued) return;
        v.queued = true;
        v.next = nullptr;
        if (tail_ != nullptr)
            tail_->next = &v;
        else
            head_ = &v;
        tail_ = &v;
    }
    /// Removes and returns the first element, nullptr if empty.
    T* pop() {
        T* v = head_;
        if (v == nullptr) return nullptr;
        head_ = v->next;
        if (head_ == nullptr) tail_ = nullptr;
        v->next = nullptr;
        v->queued = false;
        return v;
    }
    [[nodiscard]] T* head() const { return head_; }
    [[nodiscard]] bool empty() const { return head_ == nullptr; }

private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
};

/// Ready vCPUs of one core: a FIFO per priority; the highest non-empty
/// level goes first, round robin within a level.
template <class T> class ReadyQueues {
public:
    /// Appends `v` to the tail of its priority's FIFO.
    void push(T& v) {
        const unsigned p = v.priority < PRIORITY_LEVELS ? v.priority : PRIORITY_LEVELS - 1;
        level_[p].push(v);
        set_nonempty(nonempty_.load(std::memory_order_relaxed) | (1u << p));
    }
    /// The vCPU that would run next, nullptr if none.
    [[nodiscard]] T* peek() const { return empty() ? nullptr : level_[top()].head(); }
    /// Removes and returns peek().
    T* pop() {
        if (empty()) return nullptr;
        const unsigned p = top();
        T* v = level_[p].pop();
        if (level_[p].empty()) set_nonempty(nonempty_.load(std::memory_order_relaxed) & ~(1u << p));
        return v;
    }
    /// (Read without the lock by the core itself, for its fast path: a
    /// change that must be decided on unsettles it, sched.cpp.)
    [[nodiscard]] bool empty() const { return relaxed_peek(nonempty_) == 0; }

private:
    [[nodiscard]] unsigned top() const {
        return 31u - static_cast<unsigned>(__builtin_clz(nonempty_.load(std::memory_order_relaxed)));
    }

    Fifo<T> level_[PRIORITY_LEVELS];
    /// Only the lock holder writes: a plain store (no read-modify-write) is enough.
    void set_nonempty(u32 bits) { nonempty_.store(bits, std::memory_order_relaxed); }
    std::atomic<u32> nonempty_{0}; ///< bit p: level p has vCPUs
};

/// A CPU budget: at most `budget` ticks of a core in each period of `period`
/// ticks; periods are aligned to multiples of `period` since the counter's
/// start. budget == 0 means unlimited.
struct Budget {
    u64 budget = 0;
    u64 period = 0;
    u64 period_index = 0;
    u64 used = 0;

    [[nodiscard]] bool limited() const { return budget != 0; }
    /// Ticks left in the period containing `now` (a new period starts full).
    u64 remaining(u64 now) {
        roll(now);
        return used >= budget ? 0 : budget - used;
    }
    /// Records `ticks` of use ending at `now`.
    void charge(u64 now, u64 ticks) {
        roll(now);
        used += ticks;
    }
    /// When the period after the one containing `now` starts.
    [[nodiscard]] u64 next_period(u64 now) const { return (now / period + 1) * period; }

private:
    void roll(u64 now) {
        const u64 index = now / period;
        if (index != period_index) {
            period_index = index;
            used = 0;
        }
    }
};

/// Sleeping vCPUs with a wake-up time, earliest first (through T::timer_next).
template <class T> class TimerList {
public:
    /// Inserts `v` (removing it first if it is already in).
    void insert(T& v) {
        remove(v);
        T** at = &head_;
        while (*at != nullptr && (*at)->wake_at <= v.wake_at) at = &(*at)->timer_next;
        v.timer_next = *at;
        *at = &v;
        v.on_timer_list = true;
    }
    void remove(T& v) {
        if (!v.on_timer_list) return;
        for (T** at = &head_; *at != nullptr; at = &(*at)->timer_next) {
            if (*at == &v) {
                *at = v.timer_next;
                break;
            }
        }
        v.timer_next = nullptr;
        v.on_timer_list = false;
    }
    /// Removes and returns the first element due at `now`, nullptr if none.
    T* pop_due(u64 now) {
        if (head_ == nullptr || head_->wake_at > now) return nullptr;
        T* v = head_;
        remove(*v);
        return v;
    }
    /// The earliest wake-up time, ~0 if none.
    [[nodiscard]] u64 earliest() const { return head_ == nullptr ? ~0ull : head_->wake_at; }
    [[nodiscard]] bool empty() const { return head_ == nullptr; }

private:
    T* head_ = nullptr;
};

} // namespace tessera

// spinlock.hpp — a test-and-set lock with an RAII guard, built on compiler atomics.
#pragma once

#include "cpu_relax.hpp"
#include "types.hpp"

namespace tessera {

class Spinlock {
public:
    /// Takes the lock, spinning until it is free. (Each turn of the wait
    /// tells the core it only waits: arch::cpu_relax().)
    void lock() {
        // (The free lock, the common case, costs an exchange inline.)
        if (__atomic_exchange_n(&held_, 1u, __ATOMIC_ACQUIRE) != 0) [[unlikely]]
            lock_contended();
    }
    /// Takes the lock if it becomes free within `spins` tries; for the panic
    /// path, which must print even if the lock's owner died holding it.
    [[nodiscard]] bool try_lock(u64 spins) {
        for (u64 i = 0; i < spins; ++i) {
            if (__atomic_exchange_n(&held_, 1u, __ATOMIC_ACQUIRE) == 0) return true;
        }
        return false;
    }
    [[gnu::always_inline]] void unlock() { __atomic_store_n(&held_, 0u, __ATOMIC_RELEASE); }

private:
    [[gnu::noinline]] void lock_contended() {
        while (__atomic_exchange_n(&held_, 1u, __ATOMIC_ACQUIRE) != 0) {
            while (__atomic_load_n(&held_, __ATOMIC_RELAXED) != 0) arch::cpu_relax();
        }
    }

    u32 held_ = 0;
};

/// Holds a Spinlock for the lifetime of the guard.
class LockGuard {
public:
    [[gnu::always_inline]] explicit LockGuard(Spinlock& l) : lock_(l) { lock_.lock(); }
    [[gnu::always_inline]] ~LockGuard() { lock_.unlock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

private:
    Spinlock& lock_;
};

} // namespace tessera

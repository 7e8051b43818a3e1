// relaxed_peek.hpp — relaxed atomic loads that the compiler can address with an offset, for the exit fast path.
#pragma once

#include <atomic>

namespace tessera {

/// The value of `a`, as a relaxed load gives it. On AArch64 both are one
/// single-copy-atomic `ldr` of an aligned word; this one is a volatile read
/// (as Linux's READ_ONCE), because GCC 12 emits its atomic loads from a bare
/// base register: an `add` more for each, and the check every exit makes
/// reads six. Only where relaxed order is all that is needed.
template <class T> [[gnu::always_inline]] inline T relaxed_peek(const std::atomic<T>& a) {
    static_assert(std::atomic<T>::is_always_lock_free);
    static_assert(sizeof(std::atomic<T>) == sizeof(T)); // NOLINT(bugprone-sizeof-expression): T may be a pointer
    return *reinterpret_cast<const volatile T*>(&a);
}

/// The value of `x`, a word other cores write with __atomic stores (a plain
/// member of a struct that is reset by assignment), as a relaxed load gives it.
template <class T> [[gnu::always_inline]] inline T relaxed_peek_word(const T& x) {
    static_assert(sizeof(T) <= 8 && __atomic_always_lock_free(sizeof(T), nullptr));
    return *reinterpret_cast<const volatile T*>(&x);
}

} // namespace tessera

// status.hpp — errors as values: Status codes and Result<T>.
#pragma once

#include "types.hpp"

namespace tessera {

enum class [[nodiscard]] Status : u8{
    ok,
    no_memory,      ///< an allocator ran out
    invalid,        ///< an argument breaks the function's contract
    already_mapped, ///< a mapping would replace an existing one
    not_found,
};

/// A short lower-case name for `s`, for log lines.
const char* status_name(Status s);

/// A value or the Status saying why there is none.
template <typename T> class [[nodiscard]] Result {
public:
    constexpr Result(T v) : value_(v), status_(Status::ok) {} // NOLINT(google-explicit-constructor)
    constexpr Result(Status s) : value_{}, status_(s) {}      // NOLINT(google-explicit-constructor)

    [[nodiscard]] constexpr bool ok() const { return status_ == Status::ok; }
    [[nodiscard]] constexpr Status status() const { return status_; }
    /// The value; only meaningful when ok().
    [[nodiscard]] constexpr T value() const { return value_; }

private:
    T value_;
    Status status_;
};

} // namespace tessera

// addr.hpp — distinct address types: physical, guest-physical (IPA) and hypervisor virtual.
//
// A guest address can never be passed where a physical one is meant: each kind
// is its own type and conversions between kinds are named functions.
#pragma once

#include <compare>

#include "types.hpp"

namespace tessera {

template <typename Tag> class Addr {
public:
    constexpr Addr() = default;
    constexpr explicit Addr(u64 v) : value_(v) {}

    /// The raw number, for printing and for hardware registers.
    [[nodiscard]] constexpr u64 raw() const { return value_; }
    constexpr Addr operator+(u64 off) const { return Addr(value_ + off); }
    constexpr Addr operator-(u64 off) const { return Addr(value_ - off); }
    /// Distance in bytes from `other` (which must not be above this).
    constexpr u64 operator-(Addr other) const { return value_ - other.value_; }
    constexpr auto operator<=>(const Addr&) const = default;

private:
    u64 value_ = 0;
};

struct PhysTag {};
struct IpaTag {};
struct VirtTag {};

using PhysAddr = Addr<PhysTag>; ///< a machine physical address
using Ipa = Addr<IpaTag>;       ///< a guest's intermediate physical address
using VirtAddr = Addr<VirtTag>; ///< an EL2 virtual address

/// A half-open range [base, base + size) of addresses of one kind.
template <typename A> struct Range {
    A base{};
    u64 size = 0;

    [[nodiscard]] constexpr A end() const { return base + size; }
    /// One unsigned compare: also right for a range that ends at 2^64 (end() wraps there).
    [[nodiscard]] [[gnu::always_inline]] constexpr bool contains(A a) const { return a.raw() - base.raw() < size; }
    [[nodiscard]] constexpr bool overlaps(const Range& o) const { return base < o.end() && o.base < end(); }
};

using PhysRange = Range<PhysAddr>;
using IpaRange = Range<Ipa>;

} // namespace tessera

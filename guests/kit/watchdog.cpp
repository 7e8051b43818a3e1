// watchdog.cpp — the SP805 (Arm DDI 0270) at vplat::WATCHDOG, counting once per microsecond.
#include "watchdog.hpp"

#include "vplatform.hpp"

namespace kit::watchdog {

namespace {

using tessera::u32;
using tessera::u64;

constexpr u64 LOAD = 0x000, VALUE = 0x004, CONTROL = 0x008, INTCLR = 0x00c, RIS = 0x010, LOCK = 0xc00;
constexpr u32 INTEN = 1u << 0, RESEN = 1u << 1;
constexpr u32 UNLOCK_KEY = 0x1acc'e551;

volatile u32& reg(u64 offset) { return *reinterpret_cast<volatile u32*>(tessera::vplat::WATCHDOG + offset); }

/// Runs `write` with the registers unlocked, then locks them again (as Linux's driver does).
template <typename F> void unlocked(F write) {
    reg(LOCK) = UNLOCK_KEY;
    write();
    reg(LOCK) = 0;
}

} // namespace

void start(u32 timeout_ms) {
    const u64 half_us = u64{timeout_ms} * 1000 / 2;
    unlocked([&] {
        reg(LOAD) = static_cast<u32>(half_us - 1);
        reg(INTCLR) = 1;
        reg(CONTROL) = INTEN | RESEN;
    });
}

void kick() {
    unlocked([] { reg(INTCLR) = 1; });
}

void stop() {
    unlocked([] { reg(CONTROL) = 0; });
}

u64 time_left_us() {
    const u64 value = reg(VALUE);
    // In the second count (interrupt raised), only what is left of it.
    return (reg(RIS) & 1) != 0 ? value : value + reg(LOAD) + 1;
}

} // namespace kit::watchdog

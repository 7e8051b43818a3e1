// releases.hpp — a periodic task's releases on the virtual timer, for the test guests that keep deadlines.
#pragma once

#include "gic.hpp"
#include "kit.hpp"

namespace releases {

/// Runs `count` releases `period` counter ticks apart from `start`: for each,
/// arms the virtual timer for it, sleeps until the guest's IRQ handler has
/// counted the timer interrupt in `fired`, then runs `body()`. A release
/// whose deadline (the next release) passed before it began, or before its
/// body ended, is missed. Returns how many were.
template <class Body>
tessera::u64 run(tessera::u64 start, tessera::u64 period, tessera::u64 count, const volatile tessera::u64& fired,
                 Body body) {
    tessera::u64 missed = 0;
    for (tessera::u64 i = 0; i < count; ++i) {
        const tessera::u64 release = start + i * period;
        if (kit::counter() > release + period) { // this release's deadline passed already
            ++missed;
            continue;
        }
        const tessera::u64 before = fired;
        asm volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(release), "r"(1ull));
        kit::gic::sleep_until([&] { return fired != before; });
        body();
        if (kit::counter() > release + period) ++missed;
    }
    return missed;
}

} // namespace releases

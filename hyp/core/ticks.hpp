// ticks.hpp — counter ticks and microseconds, without overflow for as long as a counter can run.
#pragma once

#include "types.hpp"

namespace tessera {

/// `ticks` of a counter running at `freq` Hz, in microseconds. Whole seconds
/// and the rest are converted apart: `ticks * 1'000'000` alone would
/// overflow a u64 after about 5 hours of a 1 GHz counter.
constexpr u64 ticks_to_us(u64 ticks, u64 freq) { return ticks / freq * 1'000'000 + ticks % freq * 1'000'000 / freq; }

/// `us` microseconds in ticks of a counter running at `freq` Hz (the same
/// split, so any time a u64 of ticks can hold converts).
constexpr u64 us_to_ticks(u64 us, u64 freq) { return us / 1'000'000 * freq + us % 1'000'000 * freq / 1'000'000; }

} // namespace tessera

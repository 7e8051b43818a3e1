// cpu_relax.hpp (host fake) — waiting for a lock in the unit tests: threads, so the host scheduler's yield.
#pragma once

#include <thread>

namespace tessera::arch {

/// One turn of a lock's wait.
inline void cpu_relax() { std::this_thread::yield(); }

} // namespace tessera::arch

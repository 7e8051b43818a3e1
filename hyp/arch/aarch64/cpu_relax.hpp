// cpu_relax.hpp (aarch64) — what a core does while it waits for another to let go of a lock.
#pragma once

namespace tessera::arch {

/// One turn of a lock's wait: YIELD, the architecture's hint that this core
/// only waits. On an SMT core the other thread runs; under QEMU's
/// one-thread emulation (`-icount`) it hands the turn to the next core, so
/// the lock's holder gets to finish — a plain loop would run the waiter's
/// whole time slice while the holder stands still.
[[gnu::always_inline]] inline void cpu_relax() { asm volatile("yield" ::: "memory"); }

} // namespace tessera::arch

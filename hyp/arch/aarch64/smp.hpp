// smp.hpp (aarch64) — cores talking to cores: stop on panic, kick to reschedule.
#pragma once

#include "sched.hpp"

namespace tessera::arch {

/// Acknowledges and handles every pending physical interrupt of `core`
/// (SGIs from other cores). On a stop request the core halts here for good.
void handle_core_interrupts(PerCore& core);

/// Handles physical interrupt `intid` of `core`, acknowledged already.
void handle_core_interrupt(PerCore& core, u32 intid);

/// Stops every other online core and waits (bounded) until they confirm;
/// false if one did not within 100 ms.
[[nodiscard]] bool stop_other_cores();

/// Routes physical interrupt `intid` (a device's SPI) to `handler`.
void set_device_irq(u32 intid, void (*handler)());

} // namespace tessera::arch

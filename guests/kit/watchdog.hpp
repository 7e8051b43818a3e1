// watchdog.hpp — the kit's driver for the VM's SP805 watchdog (docs/guest-kit.md): the hypervisor fails the VM
// when it is not kicked in time, and its failure policy restarts it.
#pragma once

#include "types.hpp"

namespace kit::watchdog {

/// Starts the watchdog: the VM fails if `timeout_ms` pass without a kick().
/// (The SP805 counts half the timeout twice: interrupt, then reset.)
void start(tessera::u32 timeout_ms);

/// Starts the timeout again.
void kick();

/// Stops the watchdog.
void stop();

/// Microseconds until the watchdog fails the VM, as its counter says.
tessera::u64 time_left_us();

} // namespace kit::watchdog

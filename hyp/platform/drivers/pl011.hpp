// pl011.hpp — the Arm PL011 UART, transmit side (the hypervisor's own console).
#pragma once

#include "types.hpp"

namespace tessera::pl011 {

/// Uses the PL011 at `base` (mapped, device memory) and enables it if the
/// firmware left it off.
void init(u64 base);
/// Writes one byte, waiting while the transmit FIFO is full.
void putc(char c);
/// Takes one received byte if there is one.
bool getc(char& c);
/// Raises the UART's interrupt when bytes arrive.
void enable_rx_interrupt();

} // namespace tessera::pl011

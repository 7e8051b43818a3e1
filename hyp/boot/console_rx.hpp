// console_rx.hpp — the physical console's receive interrupt handler.
#pragma once

namespace tessera {

/// Bytes typed on the physical console go to the VM that has the focus
/// (Ctrl-T switches it, see console_input). Called from the UART's interrupt.
void on_console_rx();

} // namespace tessera

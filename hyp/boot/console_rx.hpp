// console_rx.hpp — the physical console's keyboard: the mux over the VM table and the UART's receive handler.
#pragma once

namespace tessera {

/// Gives the keyboard to the first VM and says so (once the VMs exist).
void console_rx_start();

/// Bytes typed on the physical console go to the VM that has the focus
/// (Ctrl-T switches it, see console_input). Called from the UART's interrupt.
void on_console_rx();

} // namespace tessera

// terminal.hpp — the user's terminal as a serial line: raw while QEMU runs, restored however the runner ends.
#pragma once

#include <sys/types.h>

namespace tessera::runner {

/// Puts the terminal on `fd` into raw mode (no line editing, no echo, no
/// signals from Ctrl-C or Ctrl-Z: every key goes to the guests, as on a serial
/// console) and arranges for it to be restored at exit and on SIGTERM, SIGHUP
/// and SIGINT, which also kill `child` (QEMU). Returns false if `fd` is not a
/// terminal or is not ours to change (a background job).
bool terminal_make_raw(int fd, pid_t child);

/// Restores the terminal saved by terminal_make_raw(); safe to call twice.
void terminal_restore();

} // namespace tessera::runner

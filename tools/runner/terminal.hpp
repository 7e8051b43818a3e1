// terminal.hpp — the user's terminal as a serial line (raw while QEMU runs) and a clean exit however the runner ends.
#pragma once

#include <sys/types.h>

namespace tessera::runner {

/// Makes every way the runner can end — exit, SIGTERM, SIGHUP, SIGINT,
/// SIGQUIT, an uncaught exception — restore the terminal (if raw) and kill
/// `child`'s process group (QEMU runs in its own, away from the terminal).
void cleanup_on_exit(pid_t child);

/// Puts the terminal on `fd` into raw mode (no line editing, no echo, no
/// signals from Ctrl-C or Ctrl-Z: every key goes to the guests, as on a serial
/// console), to be restored by terminal_restore() or any exit. Returns false
/// if `fd` is not a terminal or not ours to change (a background job).
bool terminal_make_raw(int fd);

/// Restores the terminal saved by terminal_make_raw(); safe to call twice.
void terminal_restore();

} // namespace tessera::runner

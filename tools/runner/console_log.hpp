// console_log.hpp — QEMU's console output kept as the screen shows it, for the runner's checks.
#pragma once

#include <cstddef>
#include <string>

namespace tessera::runner {

/// The console as text rows: "\r\n" ends a row; a lone '\r' returns to the
/// row's start, so what follows replaces it (a line editor's redraw, or the
/// hypervisor taking an unfinished row off the screen with "\r ESC[K");
/// "ESC[K" itself is dropped. Other bytes are kept as they came.
class ConsoleLog {
public:
    /// Adds `n` bytes of output (a sequence may be split between calls).
    void append(const char* bytes, size_t n);
    /// Everything so far, one '\n' per row.
    [[nodiscard]] const std::string& text() const { return text_; }

private:
    std::string text_;
    std::string esc_; ///< an escape sequence begun and not yet ended
    bool cr_ = false; ///< a '\r' waits: "\r\n" is a newline, anything else restarts the row
};

} // namespace tessera::runner

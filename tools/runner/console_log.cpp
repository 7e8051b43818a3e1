// console_log.cpp — the runner's model of the screen: rows, redraws and erasures.
#include "console_log.hpp"

namespace tessera::runner {

void ConsoleLog::append(const char* bytes, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        const char c = bytes[i];
        if (!esc_.empty()) {
            esc_ += c;
            const bool done = esc_.size() > 1 && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
            if (esc_.size() == 2 && c != '[') {
                text_ += esc_; // not a control sequence: keep it as it came
                esc_.clear();
            } else if (done || esc_.size() > 16) {
                if (esc_ != "\x1b[K") text_ += esc_;
                esc_.clear();
            }
            continue;
        }
        if (c == '\r') {
            cr_ = true;
            continue;
        }
        if (cr_ && c != '\n') {
            const size_t row = text_.rfind('\n');
            text_.erase(row == std::string::npos ? 0 : row + 1);
        }
        cr_ = false;
        if (c == '\x1b') {
            esc_ = c;
            continue;
        }
        text_ += c;
    }
}

} // namespace tessera::runner

// format.hpp — a small printf for freestanding code: %s %c %d %u %x %p with width and zero fill.
#pragma once

#include <stdarg.h>

#include "types.hpp"

namespace tessera {

/// Receives formatted characters.
class Sink {
public:
    virtual void put(char c) = 0;

protected:
    ~Sink() = default;
};

/// Formats `fmt` with `ap` into `out`. Supports flags '0', '-' and '#' (0x before hex), a width,
/// the length modifiers l/ll/z (all treated as 64-bit), and the conversions
/// s c d i u x X p %. Unknown conversions are printed literally.
void vformat(Sink& out, const char* fmt, va_list ap);

/// Sink that fills a fixed buffer and always NUL-terminates it.
class BufferSink final : public Sink {
public:
    BufferSink(char* buf, usize cap) : buf_(buf), cap_(cap) {
        if (cap_) buf_[0] = '\0';
    }
    void put(char c) override {
        if (len_ + 1 < cap_) {
            buf_[len_++] = c;
            buf_[len_] = '\0';
        }
    }
    [[nodiscard]] usize length() const { return len_; }

private:
    char* buf_;
    usize cap_;
    usize len_ = 0;
};

/// snprintf-like helper over BufferSink; returns the length written.
usize format_to(char* buf, usize cap, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
/// The same with a va_list (for functions that take a format themselves).
usize vformat_to(char* buf, usize cap, const char* fmt, va_list ap);

} // namespace tessera

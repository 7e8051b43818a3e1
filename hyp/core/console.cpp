// console.cpp — the physical console: locked, line-at-a-time output.
#include "console.hpp"

#include "spinlock.hpp"

namespace tessera {

namespace {

PutcFn g_putc = nullptr;
Spinlock g_lock;

class ConsoleSink final : public Sink {
public:
    void put(char c) override {
        if (g_putc == nullptr) return;
        if (c == '\n') g_putc('\r');
        g_putc(c);
    }
};

void emit_line(const char* tag, const char* fmt, va_list ap) {
    ConsoleSink out;
    out.put('[');
    for (const char* t = tag; *t != '\0'; ++t) out.put(*t);
    out.put(']');
    out.put(' ');
    vformat(out, fmt, ap);
    out.put('\n');
}

void emit_tagged(const char* tag, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    emit_line(tag, fmt, ap);
    va_end(ap);
}

} // namespace

void console_init(PutcFn putc) { g_putc = putc; }

void log(const char* fmt, ...) {
    LockGuard guard(g_lock);
    va_list ap;
    va_start(ap, fmt);
    emit_line("tessera", fmt, ap);
    va_end(ap);
}

void log_force(const char* fmt, ...) {
    const bool locked = g_lock.try_lock(1u << 20);
    va_list ap;
    va_start(ap, fmt);
    emit_line("tessera", fmt, ap);
    va_end(ap);
    if (locked) g_lock.unlock();
}

void LineBuffer::write(const char* tag, const char* bytes, usize n) {
    for (usize i = 0; i < n; ++i) {
        const char c = bytes[i];
        if (c == '\r') continue;
        if (c == '\n' || len_ == CAPACITY - 1) {
            flush(tag);
            if (c == '\n') continue;
        }
        buf_[len_++] = c;
    }
}

void LineBuffer::flush(const char* tag) {
    if (len_ == 0) return;
    buf_[len_] = '\0';
    {
        LockGuard guard(g_lock);
        emit_tagged(tag, "%s", buf_);
    }
    len_ = 0;
}

} // namespace tessera

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
    LockGuard guard(lock_);
    for (usize i = 0; i < n; ++i) {
        const char c = bytes[i];
        if (c == '\r') continue;
        if (c == '\n' || len_ == CAPACITY - 1) {
            flush_locked(tag);
            if (c == '\n') continue;
        }
        buf_[len_++] = c;
    }
}

void LineBuffer::flush(const char* tag) {
    LockGuard guard(lock_);
    flush_locked(tag);
}

namespace {
unsigned g_focus = 0;  ///< index of the VM that receives console input
bool g_escape = false; ///< the previous byte was the escape (Ctrl-T)
constexpr char ESCAPE = 0x14;
} // namespace

void console_input(char c, unsigned vm_count, bool (*deliver)(unsigned vm, char c),
                   const char* (*vm_name)(unsigned vm)) {
    if (vm_count == 0) return;
    if (g_escape) {
        g_escape = false;
        unsigned next = g_focus;
        if (c >= '1' && c <= '9' && static_cast<unsigned>(c - '1') < vm_count)
            next = static_cast<unsigned>(c - '1');
        else if (c == 'n')
            next = (g_focus + 1) % vm_count;
        else if (c == ESCAPE) {
            deliver(g_focus, c);
            return;
        } else {
            log("console: Ctrl-T %c is not a command (1-%u: choose a VM, n: next VM)", c >= ' ' ? c : '?', vm_count);
            return;
        }
        g_focus = next;
        log("console: input goes to vm %s", vm_name(g_focus));
        return;
    }
    if (c == ESCAPE) {
        g_escape = true;
        return;
    }
    deliver(g_focus, c);
}

void LineBuffer::flush_locked(const char* tag) {
    if (len_ == 0) return;
    buf_[len_] = '\0';
    {
        LockGuard guard(g_lock);
        emit_tagged(tag, "%s", buf_);
    }
    len_ = 0;
}

} // namespace tessera

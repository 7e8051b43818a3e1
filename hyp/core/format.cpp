// format.cpp — a small printf for freestanding code.
#include "format.hpp"

namespace tessera {

namespace {

struct Spec {
    bool zero = false;
    bool left = false;
    bool alt = false; ///< '#': 0x before hex numbers
    unsigned width = 0;
};

void pad(Sink& out, unsigned n, char c) {
    while (n-- > 0) out.put(c);
}

/// Writes sign or prefix, padding and `s` as `spec` says.
void emit(Sink& out, const char* s, unsigned len, Spec spec, const char* prefix) {
    unsigned plen = 0;
    while (prefix[plen] != '\0') ++plen;
    const unsigned total = len + plen;
    const unsigned fill = spec.width > total ? spec.width - total : 0;
    if (!spec.left && !spec.zero) pad(out, fill, ' ');
    for (unsigned i = 0; i < plen; ++i) out.put(prefix[i]);
    if (!spec.left && spec.zero) pad(out, fill, '0');
    for (unsigned i = 0; i < len; ++i) out.put(s[i]);
    if (spec.left) pad(out, fill, ' ');
}

void emit_number(Sink& out, u64 v, unsigned base, bool upper, Spec spec, bool negative) {
    char digits[24];
    unsigned n = 0;
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[v % base];
        v /= base;
    } while (v != 0);
    char ordered[24];
    for (unsigned i = 0; i < n; ++i) ordered[i] = digits[n - 1 - i];
    const char* prefix = negative ? "-" : (spec.alt && base == 16) ? "0x" : "";
    emit(out, ordered, n, spec, prefix);
}

} // namespace

void vformat(Sink& out, const char* fmt, va_list ap) {
    for (const char* p = fmt; *p != '\0'; ++p) {
        if (*p != '%') {
            out.put(*p);
            continue;
        }
        Spec spec;
        ++p;
        for (;; ++p) {
            if (*p == '0')
                spec.zero = true;
            else if (*p == '-')
                spec.left = true;
            else if (*p == '#')
                spec.alt = true;
            else
                break;
        }
        while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + static_cast<unsigned>(*p++ - '0');
        bool wide = false;
        while (*p == 'l' || *p == 'z') {
            wide = true;
            ++p;
        }
        switch (*p) {
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (s == nullptr) s = "(null)";
            unsigned len = 0;
            while (s[len] != '\0') ++len;
            spec.zero = false;
            emit(out, s, len, spec, "");
            break;
        }
        case 'c': {
            const char c = static_cast<char>(va_arg(ap, int));
            emit(out, &c, 1, spec, "");
            break;
        }
        case 'd':
        case 'i': {
            const i64 v = wide ? va_arg(ap, i64) : va_arg(ap, int);
            const u64 mag = v < 0 ? static_cast<u64>(0) - static_cast<u64>(v) : static_cast<u64>(v);
            emit_number(out, mag, 10, false, spec, v < 0);
            break;
        }
        case 'u': emit_number(out, wide ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, false, spec, false); break;
        case 'x':
        case 'X': emit_number(out, wide ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, *p == 'X', spec, false); break;
        case 'p':
            spec.alt = true;
            emit_number(out, reinterpret_cast<u64>(va_arg(ap, void*)), 16, false, spec, false);
            break;
        case '%': out.put('%'); break;
        case '\0': return;
        default:
            out.put('%');
            out.put(*p);
            break;
        }
    }
}

usize vformat_to(char* buf, usize cap, const char* fmt, va_list ap) {
    BufferSink sink(buf, cap);
    vformat(sink, fmt, ap);
    return sink.length();
}

usize format_to(char* buf, usize cap, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const usize n = vformat_to(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

} // namespace tessera

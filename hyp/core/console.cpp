// console.cpp — the physical console: tagged rows that never mix, shown as they are typed; the keyboard mux.
#include "console.hpp"

#include "boot_only.hpp"

#include "spinlock.hpp"

namespace tessera {

/// The physical console's row state. Every access holds `lock`: rows are
/// printed from every core.
struct ConsoleRows {
    Spinlock lock;
    PutcFn putc = nullptr;
    ConsoleStream* open = nullptr;  ///< whose row the cursor is in (nullptr: at a row's start)
    ConsoleStream* focus = nullptr; ///< the UART stream of the VM with the keyboard
    /// Streams waiting for the terminal's answer to their cursor-position
    /// query, oldest first (a shell's line editor asks where its prompt
    /// ended; the answer must reach that shell, not the VM with the keyboard).
    static constexpr unsigned ASKERS = 4;
    ConsoleStream* askers[ASKERS]{};
    unsigned asking = 0;

    void put(char c) const {
        if (putc == nullptr) return;
        if (c == '\n') putc('\r');
        putc(c);
    }
    void put_tag(const char* tag) const {
        put('[');
        for (const char* t = tag; t != nullptr && *t != '\0'; ++t) put(*t);
        put(']');
        put(' ');
    }
    /// Takes the open, unfinished row off the screen (back to its start,
    /// erase to its end: VT100, as every serial terminal has), so the next
    /// output starts at a row's start; its stream keeps the row, to show it
    /// again when it goes on. Nothing half-printed is left behind.
    void end_open_row() {
        if (open == nullptr) return;
        put('\r');
        put('\x1b');
        put('[');
        put('K');
        open = nullptr;
    }
    /// Makes `s`'s row the open one: a fresh row with its tag and what its
    /// unfinished row held so far.
    void open_row(ConsoleStream& s) {
        if (open == &s) return;
        end_open_row();
        put_tag(s.tag_);
        for (usize i = 0; i < s.len_; ++i) put(s.row_[i]);
        open = &s;
    }
    /// Shows `s`'s unfinished row again if another source ended it.
    void reopen(ConsoleStream& s) {
        if (s.len_ > 0) open_row(s);
    }
    /// After another source's whole row: the keyboard's VM gets its
    /// unfinished row (its prompt, what was typed) back at once.
    void restore_focus() {
        if (open == nullptr && focus != nullptr) reopen(*focus);
    }
    /// Notes that `s` asked the terminal where the cursor is (the oldest
    /// question is forgotten if the terminal never answers four of them).
    void asked(ConsoleStream& s) {
        if (asking == ASKERS) {
            for (unsigned i = 1; i < ASKERS; ++i) askers[i - 1] = askers[i];
            --asking;
        }
        askers[asking++] = &s;
    }
    /// The stream the terminal's next cursor-position answer is for, or nullptr.
    ConsoleStream* answered() {
        if (asking == 0) return nullptr;
        ConsoleStream* s = askers[0];
        for (unsigned i = 1; i < asking; ++i) askers[i - 1] = askers[i];
        --asking;
        return s;
    }
    /// Ends `s`'s row with a newline (a blank row still shows its tag).
    void finish_row(ConsoleStream& s) {
        open_row(s);
        put('\n');
        open = nullptr;
        s.len_ = 0;
        s.col_ = 0;
        if (&s != focus) restore_focus();
    }
};

namespace {

constinit ConsoleRows g_rows;

class ConsoleSink final : public Sink {
public:
    void put(char c) override { g_rows.put(c); }
};

void emit_line(const char* fmt, va_list ap) {
    g_rows.put_tag("tessera");
    ConsoleSink out;
    vformat(out, fmt, ap);
    g_rows.put('\n');
}

} // namespace

void log(const char* fmt, ...) {
    LockGuard guard(g_rows.lock);
    g_rows.end_open_row();
    va_list ap;
    va_start(ap, fmt);
    emit_line(fmt, ap);
    va_end(ap);
    g_rows.restore_focus();
}

void log_force(const char* fmt, ...) {
    // The panic path: a fresh row, and no prompt shown again after it. The
    // row state is only touched with the lock (its owner may be alive).
    const bool locked = g_rows.lock.try_lock(1u << 20);
    if (locked) {
        g_rows.end_open_row();
    } else {
        g_rows.put('\n');
    }
    va_list ap;
    va_start(ap, fmt);
    emit_line(fmt, ap);
    va_end(ap);
    if (locked) g_rows.lock.unlock();
}

void ConsoleStream::write(const char* tag, const char* bytes, usize n) {
    LockGuard guard(g_rows.lock);
    tag_ = tag;
    for (usize i = 0; i < n; ++i) take(bytes[i]);
}

namespace {
bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }
} // namespace

// A guest's bytes reach the user's terminal only as far as a serial line's
// text and a shell's line editing need: printable text, '\r' and '\n', tab,
// backspace and the cursor's moves within its own row (never into the
// row's tag: a guest cannot write over "[vm]" to forge another source),
// colours, erasing to the end of the row or screen, and the cursor-position
// query. Anything else — other controls, BEL, sequences that move the
// cursor to another row or set the terminal's title or clipboard — is
// shown as text ("^G", "^[[2A"), not obeyed.
void ConsoleStream::take(char c) {
    if (esc_len_ > 0) {
        sequence(c);
        return;
    }
    if (c == '\x1b') {
        esc_[esc_len_++] = c;
        return;
    }
    if (c == '\b') {
        if (col_ > 0) {
            --col_;
            emit(c);
        }
        return;
    }
    if (c == '\r' || c == '\n') {
        col_ = 0; // (either way the next byte is at the row's start)
        emit(c);
        return;
    }
    if (c == '\t') {
        ++col_; // (at least one column: counting fewer than the terminal moves is the safe side)
        emit(c);
        return;
    }
    if (is_control(c)) {
        col_ += 2;
        emit('^');
        emit(static_cast<char>(c ^ 0x40));
        return;
    }
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++col_; // (a UTF-8 continuation byte moves nothing)
    emit(c);
}

/// The next byte of a control sequence: judged once its final byte arrives.
void ConsoleStream::sequence(char c) {
    if (esc_len_ == 1) {
        if (c == '[') {
            esc_[esc_len_++] = c;
            return;
        }
        shown_as_text(); // ESC and anything but a CSI (OSC, charsets, …)
        take(c);
        return;
    }
    const bool param = (c >= '0' && c <= '9') || c == ';' || c == '?';
    if (param && esc_len_ < sizeof esc_ - 1) {
        esc_[esc_len_++] = c;
        return;
    }
    if (param || c < 0x40 || c > 0x7e) { // too long, or not a final byte
        shown_as_text();
        take(c);
        return;
    }
    // "ESC [ params final": the parameter (1 if none) for the cursor's moves.
    u64 n = 0;
    bool plain = true; // digits only
    for (u8 i = 2; i < esc_len_; ++i) {
        if (esc_[i] < '0' || esc_[i] > '9') plain = false;
        n = n * 10 + static_cast<u64>(esc_[i] - '0');
    }
    if (esc_len_ == 2) n = 1;
    bool obeyed = false;
    switch (c) {
    case 'm':                        // colours
    case 'K':                        // erase in the row
    case 'J': obeyed = true; break;  // erase below (the cursor is on the last row)
    case 'C': obeyed = plain; break; // forward (not counted: the terminal stops at its edge)
    case 'D':
        obeyed = plain && n <= col_; // back, but not into the tag
        if (obeyed) col_ -= n;
        break;
    case 'n': obeyed = esc_len_ == 3 && esc_[2] == '6'; break; // where is the cursor? (the terminal answers)
    default: break;
    }
    esc_[esc_len_++] = c;
    if (!obeyed) {
        shown_as_text();
        return;
    }
    for (u8 i = 0; i < esc_len_; ++i) emit(esc_[i]);
    esc_len_ = 0;
}

/// The sequence received so far, shown instead of obeyed: ESC as "^[".
void ConsoleStream::shown_as_text() {
    const u8 len = esc_len_;
    esc_len_ = 0;
    col_ += 1u + len;
    emit('^');
    emit('[');
    for (u8 i = 1; i < len; ++i) emit(esc_[i]);
}

/// One byte the filter lets through: into the row, and onto the screen.
void ConsoleStream::emit(char c) {
    if (c == '\r') {
        cr_ = true; // wait: "\r\n" ends the row, a lone '\r' redraws it
        return;
    }
    if (c == '\n') {
        cr_ = false;
        g_rows.finish_row(*this);
        return;
    }
    if (cr_) {
        // The guest returns to the row's start to redraw it (a shell's
        // line editor does): keep the tag, forget what the row held.
        cr_ = false;
        len_ = 0;
        if (g_rows.open == this) {
            g_rows.put('\r');
            g_rows.put_tag(tag_);
        }
    }
    if (len_ == CAPACITY) g_rows.finish_row(*this); // overlong: go on in a new row
    g_rows.open_row(*this);
    g_rows.put(c);
    row_[len_++] = c;
    static constexpr char QUERY[] = "\x1b[6n";
    query_ = c == QUERY[query_] ? static_cast<u8>(query_ + 1) : (c == QUERY[0] ? 1 : 0);
    if (query_ == sizeof QUERY - 1) {
        query_ = 0;
        len_ -= sizeof QUERY - 1; // shown once; a row shown again must not ask again
        g_rows.asked(*this);
    }
}

void ConsoleStream::write_lines(const char* tag, const char* bytes, usize n) {
    LockGuard guard(g_rows.lock);
    tag_ = tag;
    for (usize i = 0; i < n; ++i) {
        const char c = bytes[i];
        if (c == '\r') continue;
        if (c == '\n' || len_ >= CAPACITY - 1) {
            g_rows.finish_row(*this);
            if (c == '\n') continue;
        }
        // Whole lines of text: every control (ESC, BEL, backspace, tab) is shown, not obeyed.
        if (is_control(c)) {
            row_[len_++] = '^';
            row_[len_++] = static_cast<char>(c ^ 0x40);
        } else {
            row_[len_++] = c;
        }
    }
}

void ConsoleStream::flush(const char* tag) {
    LockGuard guard(g_rows.lock);
    tag_ = tag;
    cr_ = false;
    if (len_ > 0) g_rows.finish_row(*this); // the last words stay on the screen
}

// ---- the keyboard mux ----

namespace {

// The mux's state; `g_mux_lock` guards it (keys arrive on one core, VMs end on any).
constinit Spinlock g_mux_lock;
constinit ConsoleTargets* g_targets = nullptr;
constinit unsigned g_focus = 0;  ///< index of the VM that receives console input
constinit bool g_escape = false; ///< the previous byte was the escape (Ctrl-T)

/// A terminal control sequence being typed ("ESC [ ..."), held back while a
/// VM waits for a cursor-position answer, to see whether this is it.
constexpr unsigned HELD_MAX = 16;
constinit char g_held[HELD_MAX];
constinit unsigned g_held_len = 0;

/// The first running VM after `from` (wrapping), or `from` if none.
unsigned next_running(unsigned from) {
    const unsigned n = g_targets->count();
    for (unsigned step = 1; step <= n; ++step) {
        const unsigned vm = (from + step) % n;
        if (g_targets->running(vm)) return vm;
    }
    return from;
}

void focus(unsigned vm, const char* why) {
    g_focus = vm;
    {
        LockGuard rows(g_rows.lock);
        g_rows.focus = &g_targets->stream(vm);
    }
    // (The log line then shows the VM's unfinished row, its prompt, at once.)
    log("console: input goes to vm %s%s", g_targets->name(vm), why);
}

void help() {
    const unsigned n = g_targets->count();
    log("console: Ctrl-T 1-%u: give the keyboard to that VM; Ctrl-T n: to the next; Ctrl-T x: power off",
        n < 9 ? n : 9);
    log("console: Ctrl-T r: restart the VM that has the keyboard; Ctrl-T ?: this list; Ctrl-T Ctrl-T: type a Ctrl-T");
    for (unsigned vm = 0; vm < n; ++vm) {
        log("console:   %u %s: %s%s", vm + 1, g_targets->name(vm), g_targets->state(vm),
            vm == g_focus ? " (has the keyboard)" : "");
    }
}

/// The byte after Ctrl-T.
void command(char c) {
    const unsigned n = g_targets->count();
    if (c >= '1' && c <= '9' && static_cast<unsigned>(c - '1') < n) {
        const unsigned vm = static_cast<unsigned>(c - '1');
        if (g_targets->running(vm)) {
            focus(vm, "");
        } else {
            log("console: vm %s has %s; input stays with vm %s", g_targets->name(vm), g_targets->state(vm),
                g_targets->name(g_focus));
        }
    } else if (c == 'n') {
        const unsigned next = next_running(g_focus);
        if (next == (g_focus + 1) % n) {
            focus(next, "");
        } else if (next != g_focus) {
            focus(next, " (skipped the VMs that have ended)");
        } else {
            log("console: no other VM is running; input stays with vm %s", g_targets->name(g_focus));
        }
    } else if (c == '?') {
        help();
    } else if (c == 'r') {
        if (!g_targets->restart(g_focus)) log("console: vm %s is restarting already", g_targets->name(g_focus));
    } else if (c == 'x') {
        unsigned failed = 0;
        for (unsigned vm = 0; vm < n; ++vm) failed += g_targets->failed(vm) ? 1 : 0;
        if (failed == 0) {
            log("console: powering off at the user's request (Ctrl-T x)");
        } else { // (the verdict, as at the natural end: a failure is not hidden by quitting)
            log("console: powering off at the user's request (Ctrl-T x); %u of %u VMs failed", failed, n);
        }
        g_targets->power_off();
    } else if (c == CONSOLE_ESCAPE) {
        (void)g_targets->deliver(g_focus, c); // (a full queue: the vPL011 says so itself)
    } else {
        log("console: Ctrl-T %c is not a command (Ctrl-T ? lists them)", c > ' ' && c < 0x7f ? c : '?');
    }
}

} // namespace

TESSERA_BOOT_ONLY void console_init(PutcFn putc) {
    {
        LockGuard mux(g_mux_lock);
        g_targets = nullptr;
    }
    LockGuard guard(g_rows.lock);
    g_rows.putc = putc;
    g_rows.open = nullptr;
    g_rows.focus = nullptr;
    g_rows.asking = 0;
}

TESSERA_BOOT_ONLY void console_input_start(ConsoleTargets& targets) {
    LockGuard guard(g_mux_lock);
    g_targets = &targets;
    g_escape = false;
    g_held_len = 0;
    const unsigned n = targets.count();
    if (n == 0) return;
    g_focus = targets.running(0) ? 0 : next_running(0); // (the first VM may have been refused at boot)
    {
        LockGuard rows(g_rows.lock);
        g_rows.focus = &targets.stream(g_focus);
    }
    if (n == 1) {
        log("console: input goes to vm %s (Ctrl-T ? helps, Ctrl-T x powers off)", targets.name(g_focus));
    } else {
        log("console: input goes to vm %s (Ctrl-T 1-%u or n switches, Ctrl-T ? helps, Ctrl-T x powers off)",
            targets.name(g_focus), n < 9 ? n : 9);
    }
}

namespace {

/// Hands `c` to the VM with the keyboard.
void to_focus(char c) {
    if (!g_targets->running(g_focus)) return;
    {
        // Typing into a VM whose row another VM interrupted: show its row
        // again first, so the echo lands after its prompt.
        ConsoleStream& s = g_targets->stream(g_focus);
        LockGuard rows(g_rows.lock);
        g_rows.reopen(s);
    }
    (void)g_targets->deliver(g_focus, c); // (a full queue: the vPL011 says so itself)
}

/// Whether `c` continues a held "ESC [ digits ; digits R".
bool continues_answer(char c) {
    if (g_held_len == 1) return c == '[';
    return (c >= '0' && c <= '9') || c == ';' || c == 'R';
}

enum class Held : u8 { no, holding, answered };

/// Holds `c` while it may belong to the terminal's answer to a cursor query
/// and hands a complete answer to the VM that asked. `no`: `c` and what was
/// held (left in g_held for the caller) were typed keys after all.
Held hold_answer(char c) {
    if (g_held_len == 0) {
        if (c != '\x1b') return Held::no;
        LockGuard rows(g_rows.lock);
        if (g_rows.asking == 0) return Held::no;
        g_held[g_held_len++] = c;
        return Held::holding;
    }
    if (!continues_answer(c) || g_held_len == HELD_MAX) return Held::no;
    g_held[g_held_len++] = c;
    if (c != 'R') return Held::holding;
    ConsoleStream* asker = nullptr;
    {
        LockGuard rows(g_rows.lock);
        asker = g_rows.answered();
    }
    unsigned vm = 0;
    while (vm < g_targets->count() && &g_targets->stream(vm) != asker) ++vm;
    if (vm == g_targets->count()) vm = g_focus; // (asked through a vCPU's hypercall row)
    if (g_targets->running(vm)) {
        for (unsigned i = 0; i < g_held_len; ++i) (void)g_targets->deliver(vm, g_held[i]);
    }
    g_held_len = 0;
    return Held::answered;
}

/// A typed key: the console's escape and commands, or the VM's.
void key(char c) {
    if (g_escape) {
        g_escape = false;
        command(c);
    } else if (c == CONSOLE_ESCAPE) {
        g_escape = true;
    } else {
        to_focus(c);
    }
}

/// One byte from the terminal. A cursor answer is looked for before the
/// escape, so that one arriving just after Ctrl-T still finds its VM and the
/// Ctrl-T still waits for its command.
void input(char c) {
    const Held h = hold_answer(c);
    if (h != Held::no) return;
    if (g_held_len == 0) {
        key(c);
        return;
    }
    // Not an answer (an arrow key, a lone Escape): the held bytes were typed.
    // Their first is a key; the rest, and `c`, are looked at again (a lone
    // Escape may be followed by a real answer).
    char replay[HELD_MAX + 1];
    const unsigned n = g_held_len;
    for (unsigned i = 0; i < n; ++i) replay[i] = g_held[i];
    replay[n] = c;
    g_held_len = 0;
    key(replay[0]);
    for (unsigned i = 1; i <= n; ++i) input(replay[i]);
}

} // namespace

void console_input(char c) {
    LockGuard guard(g_mux_lock);
    if (g_targets == nullptr || g_targets->count() == 0) return;
    input(c);
}

void console_vm_stopped(unsigned vm) {
    LockGuard guard(g_mux_lock);
    if (g_targets == nullptr || vm != g_focus) return;
    const unsigned next = next_running(vm);
    if (next != vm) focus(next, " (the VM that had it has ended)");
}

} // namespace tessera

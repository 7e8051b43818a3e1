// console.hpp — the physical console, shared by the hypervisor and every VM: tagged rows out, the keyboard mux in.
#pragma once

#include "format.hpp"
#include "spinlock.hpp"
#include "types.hpp"

namespace tessera {

/// Where console bytes go: the board's UART driver.
using PutcFn = void (*)(char);

/// Routes console output to `putc` and forgets any open row and the keyboard
/// mux (boot, and each unit test). Until this is called output is dropped.
void console_init(PutcFn putc);

/// Prints one formatted line "[tessera] ...\n" atomically with respect to
/// other cores. `fmt` must not end in a newline.
void log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// Prints a line like log() but never waits long for the console lock: for
/// the panic path, whose core may have died holding it.
void log_force(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// One source of console rows: a VM's UART, or one vCPU's hypercall console.
///
/// Each row on the physical console carries its tag once, at its start, and
/// belongs to one stream. A UART's bytes are shown as they arrive (a prompt
/// and typed characters appear at once, as on a serial line); when another
/// source prints while such a row is unfinished, the row is taken off the
/// screen and shown again, whole, when its stream goes on — at once for the
/// VM that has the keyboard — so rows of two sources never mix and nothing
/// half-printed is left behind.
class ConsoleStream {
public:
    /// Longest row kept for repeating; longer rows are continued on a new row.
    static constexpr usize CAPACITY = 160;

    /// Shows `n` bytes tagged `tag` (which must stay valid: a VM's name).
    void write(const char* tag, const char* bytes, usize n);
    /// Takes `n` bytes but shows only whole rows (a newline, or CAPACITY
    /// bytes): for the hypercall console, whose writers print whole lines in
    /// pieces and never a prompt.
    void write_lines(const char* tag, const char* bytes, usize n);
    /// Ends an unfinished row, showing it (its VM stopped or restarted): its
    /// next byte starts a new, empty row.
    void flush(const char* tag);

private:
    friend struct ConsoleRows;
    void take(char c);
    void sequence(char c);
    void shown_as_text();
    void emit(char c);
    // (Set by every write before a row is shown. No "" here: this
    // constructor runs in boot code too, and a literal would live on the
    // boot-only pages, unmapped once guests run.)
    const char* tag_ = nullptr;
    char row_[CAPACITY]{};
    usize len_ = 0;
    usize col_ = 0;   ///< the cursor's column in the row, after its tag: nothing moves it left of 0
    bool cr_ = false; ///< a carriage return waits: the row is redrawn unless '\n' follows
    u8 query_ = 0;    ///< how much of a cursor-position query ("ESC [ 6 n") was just written
    char esc_[12]{};  ///< a control sequence being received ("ESC [ params final"), judged when whole
    u8 esc_len_ = 0;
};

/// What the keyboard mux needs to know about the VMs (implemented by the
/// boot code over the VM table, and by fakes in unit tests).
class ConsoleTargets {
public:
    /// How many VMs there are; they are numbered 0..count()-1 in system order.
    [[nodiscard]] virtual unsigned count() const = 0;
    /// The VM's name, for messages.
    [[nodiscard]] virtual const char* name(unsigned vm) const = 0;
    /// "running", "ended" or "failed".
    [[nodiscard]] virtual const char* state(unsigned vm) const = 0;
    /// Whether the VM still runs (input to a VM that ended is dropped).
    [[nodiscard]] virtual bool running(unsigned vm) const = 0;
    /// Whether the VM ended in failure.
    [[nodiscard]] virtual bool failed(unsigned vm) const = 0;
    /// Hands one typed byte to the VM's UART. False if it had no room.
    [[nodiscard]] virtual bool deliver(unsigned vm, char c) = 0;
    /// The stream the VM's UART prints to (its open row is redrawn when the
    /// user types into it after another VM printed).
    virtual ConsoleStream& stream(unsigned vm) = 0;
    /// Ctrl-T x: the user asked to power the board off now.
    virtual void power_off() = 0;
    /// Ctrl-T r: the user asked to restart the VM from its images. False if it is restarting already.
    [[nodiscard]] virtual bool restart(unsigned vm) = 0;

protected:
    ~ConsoleTargets() = default;
};

/// The escape that starts a console command (Ctrl-T, as the README says).
inline constexpr char CONSOLE_ESCAPE = 0x14;

/// Starts the keyboard mux over `targets` with VM 0 focused, and prints the
/// one line that says who has the keyboard and how to switch.
void console_input_start(ConsoleTargets& targets);

/// One byte typed on the physical console. Ctrl-T then: 1–9 gives the
/// keyboard to that VM, n to the next running VM, ? lists the escapes and
/// the VMs with their state, x powers the board off, Ctrl-T types a Ctrl-T.
/// Anything else goes to the VM that has the keyboard (Ctrl-C included: it
/// is that VM's interrupt key, as on a serial line) — except the terminal's
/// answer to a VM's cursor-position query ("ESC [ row ; col R"), which goes
/// to the VM that asked, whichever VM has the keyboard.
void console_input(char c);

/// VM `vm` ended: if it had the keyboard, the next running VM gets it (and
/// the console says so).
void console_vm_stopped(unsigned vm);

} // namespace tessera

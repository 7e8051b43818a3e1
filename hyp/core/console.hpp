// console.hpp — the physical console, shared by the hypervisor and every VM's tagged output.
#pragma once

#include "format.hpp"
#include "spinlock.hpp"
#include "types.hpp"

namespace tessera {

/// Where console bytes go: the board's UART driver.
using PutcFn = void (*)(char);

/// Routes console output to `putc`. Until this is called output is dropped.
void console_init(PutcFn putc);

/// Prints one formatted line "[tessera] ...\n" atomically with respect to
/// other cores. `fmt` must not end in a newline.
void log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// Prints a line like log() but never waits long for the console lock: for
/// the panic path, whose core may have died holding it.
void log_force(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// Accumulates one VM's console output and prints it a whole line at a time,
/// tagged with the VM's name, so lines of different VMs never interleave.
class LineBuffer {
public:
    static constexpr usize CAPACITY = 120;

    /// Appends `n` bytes; prints "[tag] line" for each completed line (and for
    /// overlong lines, in pieces).
    void write(const char* tag, const char* bytes, usize n);
    /// Prints any incomplete line.
    void flush(const char* tag);

private:
    void flush_locked(const char* tag);

    Spinlock lock_; ///< a VM's vCPUs may write from several cores at once
    char buf_[CAPACITY]{};
    usize len_ = 0;
};

/// Console input: bytes typed on the physical console. Ctrl-T followed by a
/// digit 1–9 sends what follows to that VM (in system order), Ctrl-T n to
/// the next one, Ctrl-T Ctrl-T sends one Ctrl-T. Input starts with VM 1.
/// `deliver(vm_index, byte)` hands a byte to a VM; `vm_count` VMs exist.
void console_input(char c, unsigned vm_count, bool (*deliver)(unsigned vm, char c),
                   const char* (*vm_name)(unsigned vm));

} // namespace tessera

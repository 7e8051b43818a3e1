// vpl011.hpp — a virtual PL011 UART per VM: output to the tagged console, input from the console mux.
#pragma once

#include "spinlock.hpp"
#include "types.hpp"
#include "vplatform.hpp"

namespace tessera {

struct Vm;
struct Vcpu;

inline constexpr u64 VPL011_SIZE = vplat::UART_SIZE;
inline constexpr u32 VPL011_INTID = vplat::UART_INTID;

struct Vpl011 {
    /// The receive FIFO's depth as the guest sees it (FR.RXFF).
    static constexpr unsigned RX_FIFO = 32;
    /// Typed bytes waiting for the guest, FIFO included: a pasted line waits
    /// here for the guest to read it rather than being dropped.
    static constexpr unsigned RX_QUEUE = 512;
    Spinlock lock;
    u8 rx[RX_QUEUE]{};
    unsigned rx_head = 0;
    unsigned rx_count = 0;
    bool rx_dropping = false; ///< input is being dropped (said once until the guest reads again)
    u32 cr = 0, lcr_h = 0, ibrd = 0, fbrd = 0, ifls = 0, imsc = 0, dmacr = 0, ilpr = 0;
    bool tx_cleared = false; ///< TX interrupt cleared by ICR until the next write to DR
};

/// Puts the UART back to its reset state (empty FIFO, interrupts masked).
void vpl011_reset(Vpl011& u);

/// Emulated register access at `offset` by vCPU `v`. Returns false for an
/// access the PL011 does not have (wrong size).
[[nodiscard]] bool vpl011_access(Vcpu& v, u64 offset, unsigned size, bool write, u64& value);

/// A byte typed on the console for `vm`. Queued behind the FIFO; dropped
/// (returns false, and the console says so once) only when RX_QUEUE bytes
/// already wait because the guest is not reading.
[[nodiscard]] bool vpl011_input(Vm& vm, char c);

} // namespace tessera

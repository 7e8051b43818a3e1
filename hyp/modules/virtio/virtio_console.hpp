// virtio_console.hpp — a virtio-console device in a Linux VM whose other end is a bare-metal server's channel ring.
//
// The Linux VM sees a virtio console (device type 3, one port: Debian's
// virtio_console driver makes it /dev/hvc0). What it writes there arrives in
// the server VM as messages on the channel's ring (hyp/core/channel_ring.hpp,
// the guest kit's channel_receive), with the channel's doorbell; what the
// server sends on the ring, and rings for, arrives on /dev/hvc0. The
// hypervisor is side 0 of the channel; the Linux VM never maps its memory.
#pragma once

#include "channel.hpp"
#include "virtio_mmio.hpp"

namespace tessera::virtio {

inline constexpr u16 CONSOLE_RX = 0;             ///< receiveq (port 0)
inline constexpr u16 CONSOLE_TX = 1;             ///< transmitq (port 0)
inline constexpr u32 CONSOLE_MESSAGE_MAX = 4096; ///< one transmit buffer, one ring message

struct ConsoleLink {
    Spinlock lock;
    Transport dev;
    unsigned k = 0;     ///< the system's channel
    u8* ring = nullptr; ///< the channel's memory, as EL2 maps it
    u64 size = 0;
    u64 sent = 0;  ///< bytes EL2 wrote to the server's ring (its private count)
    u64 taken = 0; ///< bytes it took from the server's
    bool ring_broken = false;
    u32 held = 0; ///< bytes of `message` not yet given to Linux
    u32 held_at = 0;
    u8 message[CONSOLE_MESSAGE_MAX] = {};  ///< the server's message being delivered
    u8 outgoing[CONSOLE_MESSAGE_MAX] = {}; ///< Linux's transmit buffer being sent
};

/// Sets up `link` for system channel `k` (boot): the device in `linux_vm`
/// at `intid`, the server's end in g_channels (its ring hook).
void console_link_init(ConsoleLink& link, unsigned k, Vm& linux_vm, u32 intid);

} // namespace tessera::virtio

// channel.hpp — the guest kit's side of a channel: find it, ring the peer, and pass messages through its memory.
//
// The channel's memory is split in two halves, one per direction: the VM
// first in the system file's `between` writes the first half and reads the
// second. Each half is a single-producer, single-consumer ring of
// length-prefixed messages. Each side keeps its own position privately (in
// `Channel`), publishes it for the peer, and checks every index and length
// the peer published: a peer that scribbles over the memory can break the
// channel but never make this side step outside it.
#pragma once

#include "kit.hpp"

namespace kit {

struct Channel {
    tessera::u8* base = nullptr; ///< its shared memory (identity-mapped by the kit)
    u64 size = 0;
    unsigned index = 0;        ///< this VM's number for it
    unsigned side = 0;         ///< 0: first in `between`
    tessera::u32 doorbell = 0; ///< the interrupt the peer's ring raises here
    unsigned peer = 0;         ///< the peer's VM id
    tessera::u64 sent = 0;     ///< bytes this side has written to its ring: its own count, never read back
    tessera::u64 taken = 0;    ///< bytes it has read from the peer's ring, likewise
};

/// Receive results besides a length.
inline constexpr tessera::u32 CHANNEL_EMPTY = 0;
inline constexpr tessera::u32 CHANNEL_BROKEN = ~0u; ///< the peer's ring makes no sense (ring::BROKEN)

/// This VM's channel `index`: false if it has none.
bool channel_open(unsigned index, Channel& out);

/// After a failover takeover: this side goes on from the positions its
/// predecessor published in the channel's memory, not from zero.
void channel_resume(Channel& c);

/// Rings the peer's doorbell: 0, or the hypercall's error.
long channel_ring(const Channel& c);

/// Copies `len` bytes (1 or more) into the outgoing ring; false if they do not fit now.
bool channel_send(Channel& c, const void* msg, tessera::u32 len);

/// Takes the next incoming message into `buf` (`cap` bytes): its length,
/// CHANNEL_EMPTY, or CHANNEL_BROKEN (also when it is longer than `cap`).
tessera::u32 channel_receive(Channel& c, void* buf, tessera::u32 cap);

} // namespace kit

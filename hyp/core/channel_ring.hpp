// channel_ring.hpp — the message ring in a channel's shared memory, one implementation for both of its users: the
// guest kit (guests/kit/channel.cpp) and the hypervisor's end of a virtio-console channel (hyp/modules/virtio).
//
// A channel's memory is split in two halves, one per direction: side 0
// writes the first half and reads the second. Each half is a
// single-producer, single-consumer ring of length-prefixed messages: the
// writer moves `head`, the reader `tail` (byte counts that only grow; their
// difference is what waits), each on its own cache line. Each side keeps its
// own position privately, publishes it for the peer, and checks every index
// and length the peer published: a peer that scribbles over the memory can
// break the channel but never make this side step outside it.
#pragma once

// (__builtin_memcpy: this header is also compiled against the host's C library, in the unit tests.)
#include "types.hpp"

namespace tessera::ring {

/// Byte counts of 64 bits: they never wrap (with 32, a count passing 4 GiB
/// would move the position by 2^32 mod the capacity, which is no power of two).
struct Header {
    u64 head;
    u8 pad0[56];
    u64 tail;
    u8 pad1[56];
};
inline constexpr u64 HEADER = sizeof(Header);
static_assert(HEADER == 128);
inline constexpr u32 WRAP = 0xffff'ffffu; ///< the message continues at the start of the data
inline constexpr u32 EMPTY = 0;           ///< receive: nothing waits
inline constexpr u32 BROKEN = ~0u;        ///< receive: the writer's ring makes no sense

/// One direction of a channel of `size` bytes: the half `side` writes.
struct Half {
    u8* base;
    u32 capacity; ///< bytes of message data

    Half(u8* channel, u64 size, unsigned side)
        : base(channel + side * (size / 2)), capacity(static_cast<u32>(size / 2 - HEADER)) {}
    [[nodiscard]] Header& header() const { return *reinterpret_cast<Header*>(base); }
    [[nodiscard]] u8* data() const { return base + HEADER; }
};

/// A message's bytes in the ring: its length word and the message, 8-aligned.
inline u32 padded(u32 len) { return (4 + len + 7) & ~7u; }

/// Copies `len` bytes (1 or more) into `h` as one message; `sent` is the
/// writer's private count. False if they do not fit now.
inline bool send(const Half& h, u64& sent, const void* msg, u32 len) {
    const u32 cap = h.capacity;
    const u64 head = sent;
    const u64 used = head - __atomic_load_n(&h.header().tail, __ATOMIC_ACQUIRE); // (the peer's word: checked)
    const u32 need = padded(len);
    if (len == 0 || need > cap || used > cap) return false;
    u32 at = static_cast<u32>(head % cap);
    const u32 skip = at + need > cap ? cap - at : 0; // a message never straddles the end
    if (need + skip > cap - used) return false;
    if (skip != 0) {
        __builtin_memcpy(h.data() + at, &WRAP, 4);
        at = 0;
    }
    __builtin_memcpy(h.data() + at, &len, 4);
    __builtin_memcpy(h.data() + at + 4, msg, len);
    sent = head + skip + need;
    __atomic_store_n(&h.header().head, sent, __ATOMIC_RELEASE);
    return true;
}

/// Takes the next message from `h` into `buf` (`cap` bytes); `taken` is the
/// reader's private count. Its length, EMPTY, or BROKEN (also when it is
/// longer than `cap`).
inline u32 receive(const Half& h, u64& taken, void* buf, u32 cap) {
    const u32 size = h.capacity;
    const u64 tail = taken;
    const u64 head = __atomic_load_n(&h.header().head, __ATOMIC_ACQUIRE); // (the peer's word: checked)
    const u64 waiting = head - tail;
    if (waiting == 0) return EMPTY;
    if (waiting > size || waiting % 8 != 0) return BROKEN;
    u32 at = static_cast<u32>(tail % size);
    u32 len = 0;
    __builtin_memcpy(&len, h.data() + at, 4);
    u32 skip = 0;
    if (len == WRAP) {
        skip = size - at;
        at = 0;
        if (skip >= waiting) return BROKEN;
        __builtin_memcpy(&len, h.data(), 4);
    }
    if (len == 0 || len > cap || padded(len) > waiting - skip || at + padded(len) > size) return BROKEN;
    __builtin_memcpy(buf, h.data() + at + 4, len);
    taken = tail + skip + padded(len);
    __atomic_store_n(&h.header().tail, taken, __ATOMIC_RELEASE);
    return len;
}

} // namespace tessera::ring

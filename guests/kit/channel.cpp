// channel.cpp — the guest kit's message rings over a channel's shared memory.
#include "channel.hpp"

#include "string.hpp"

namespace kit {

namespace {

using tessera::u32;
using tessera::u8;

/// One direction: the writer moves `head`, the reader `tail` (byte counts
/// that only grow; their difference is what waits), each on its own line.
struct Ring {
    u32 head;
    u8 pad0[60];
    u32 tail;
    u8 pad1[60];
    u8 data[];
};
constexpr u64 RING_HEADER = 128;
constexpr u32 WRAP = 0xffff'ffffu; ///< the message continues at the start of the data

Ring* ring(const Channel& c, unsigned half) { return reinterpret_cast<Ring*>(c.base + half * (c.size / 2)); }
u32 capacity(const Channel& c) { return static_cast<u32>(c.size / 2 - RING_HEADER); }
u32 padded(u32 len) { return (4 + len + 7) & ~7u; }

} // namespace

bool channel_open(unsigned index, Channel& out) {
    const CallResult r = hvc(tessera::abi::TESSERA_CHANNEL_INFO, index);
    if (static_cast<long>(r.x0) != 0) return false;
    out = Channel{reinterpret_cast<u8*>(r.x1),
                  r.x2,
                  index,
                  static_cast<unsigned>((r.x3 >> 32) & 0xff),
                  static_cast<u32>(r.x3 & 0xffff'ffff),
                  static_cast<unsigned>(r.x3 >> 40)};
    return true;
}

long channel_ring(const Channel& c) { return static_cast<long>(hvc(tessera::abi::TESSERA_CHANNEL_RING, c.index).x0); }

bool channel_send(Channel& c, const void* msg, u32 len) {
    Ring& r = *ring(c, c.side);
    const u32 cap = capacity(c);
    const u32 head = c.sent;
    const u32 used = head - __atomic_load_n(&r.tail, __ATOMIC_ACQUIRE); // (the peer's word: checked)
    const u32 need = padded(len);
    if (len == 0 || need > cap || used > cap) return false;
    u32 at = head % cap;
    const u32 skip = at + need > cap ? cap - at : 0; // a message never straddles the end
    if (need + skip > cap - used) return false;
    if (skip != 0) {
        memcpy(r.data + at, &WRAP, 4);
        at = 0;
    }
    memcpy(r.data + at, &len, 4);
    memcpy(r.data + at + 4, msg, len);
    c.sent = head + skip + need;
    __atomic_store_n(&r.head, c.sent, __ATOMIC_RELEASE);
    return true;
}

u32 channel_receive(Channel& c, void* buf, u32 cap) {
    Ring& r = *ring(c, 1 - c.side);
    const u32 size = capacity(c);
    const u32 tail = c.taken;
    const u32 head = __atomic_load_n(&r.head, __ATOMIC_ACQUIRE); // (the peer's word: checked)
    const u32 waiting = head - tail;
    if (waiting == 0) return CHANNEL_EMPTY;
    if (waiting > size || waiting % 8 != 0) return CHANNEL_BROKEN;
    u32 at = tail % size;
    u32 len = 0;
    memcpy(&len, r.data + at, 4);
    u32 skip = 0;
    if (len == WRAP) {
        skip = size - at;
        at = 0;
        if (skip >= waiting) return CHANNEL_BROKEN;
        memcpy(&len, r.data, 4);
    }
    if (len == 0 || len > cap || padded(len) > waiting - skip || at + padded(len) > size) return CHANNEL_BROKEN;
    memcpy(buf, r.data + at + 4, len);
    c.taken = tail + skip + padded(len);
    __atomic_store_n(&r.tail, c.taken, __ATOMIC_RELEASE);
    return len;
}

} // namespace kit

// channel.cpp — the guest kit's message rings over a channel's shared memory (hyp/core/channel_ring.hpp).
#include "channel.hpp"

#include "channel_ring.hpp"

namespace kit {

namespace {

using tessera::u32;
using tessera::u8;

/// The half of `c` that `side` writes.
tessera::ring::Half half(const Channel& c, unsigned side) { return {c.base, c.size, side}; }

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

void channel_resume(Channel& c) {
    c.sent = __atomic_load_n(&half(c, c.side).header().head, __ATOMIC_ACQUIRE);
    c.taken = __atomic_load_n(&half(c, 1 - c.side).header().tail, __ATOMIC_ACQUIRE);
}

long channel_ring(const Channel& c) { return static_cast<long>(hvc(tessera::abi::TESSERA_CHANNEL_RING, c.index).x0); }

bool channel_send(Channel& c, const void* msg, u32 len) {
    return tessera::ring::send(half(c, c.side), c.sent, msg, len);
}

u32 channel_receive(Channel& c, void* buf, u32 cap) {
    return tessera::ring::receive(half(c, 1 - c.side), c.taken, buf, cap);
}

} // namespace kit

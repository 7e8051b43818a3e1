// virtio_net.cpp — the link between two virtio-net devices: checked copies from a transmit queue to the peer's
// receive queue.
#include "virtio_net.hpp"

#include "arch.hpp"
#include "console.hpp"
#include "format.hpp"
#include "string.hpp"
#include "vm.hpp"

namespace tessera::virtio {

namespace {

NetLink& link_of(const Transport& t) { return *static_cast<NetLink*>(t.device); }
/// Which of port[side][0..1] `t` is.
unsigned index_of(const Transport& t) { return static_cast<unsigned>(&t - &link_of(t).port[0][0]); }
unsigned side_of(const Transport& t) { return index_of(t) / 2; }
bool plugged(const Transport& t) { return link_of(t).plugged[side_of(t)] == index_of(t) % 2; }

u8 net_config(const Transport& t, u64 offset) {
    // struct virtio_net_config: mac[6], status (le16), then fields of features not offered.
    if (offset < 6) return link_of(t).mac[side_of(t)][offset];
    return offset == 6 && plugged(t) ? NET_S_LINK_UP : 0;
}

/// An unplugged device's transmit queue: its frames go nowhere, as on a NIC without a cable.
void drop_all(Transport& t) {
    if (!t.live(NET_TX)) return;
    Virtqueue& q = t.q[NET_TX];
    Fault why;
    u16 pending = 0;
    if (!queue_pending(q, pending, why)) {
        transport_fail(t, why.text);
        return;
    }
    for (u16 i = 0; i < pending; ++i) {
        u16 head = 0;
        if (!queue_head(q, 0, head, why)) {
            transport_fail(t, why.text);
            return;
        }
        queue_push_used(q, head, 0);
        ++q.next_avail;
    }
    if (pending != 0 && queue_publish(q)) transport_interrupt(t, IRQ_USED);
}

/// Copies bytes from one descriptor chain into others.
class Copier {
public:
    explicit Copier(Chain& src) : src_(src) {}
    /// Fills `dst` from the source; returns the bytes written, or -1 at a
    /// fault of the source chain (`why`).
    i64 fill(Segment dst, Fault& why) {
        u32 done = 0;
        while (done < dst.len) {
            if (left_.len == 0 && !src_.next(left_, why)) return why.text[0] != 0 ? -1 : done;
            const u32 n = dst.len - done < left_.len ? dst.len - done : left_.len;
            memcpy(dst.p + done, left_.p, n);
            left_.p += n;
            left_.len -= n;
            done += n;
        }
        return done;
    }

private:
    Chain& src_;
    Segment left_{};
};

/// Whether a frame whose header says `flags` and `gso` may go from `tx` to
/// `rx`: an offload (a checksum left to do, a segment larger than the MTU)
/// only if the sender was offered it and the receiver accepted it (§5.1.6).
/// Frames pass unchanged, header included: the receiver's stack does what
/// the sender's left, as between two VMs on one host bridge.
bool deliverable(const Transport& tx, const Transport& rx, u8 flags, u8 gso) {
    if ((flags & ~HDR_F_NEEDS_CSUM) != 0) return false;
    if ((flags & HDR_F_NEEDS_CSUM) != 0 && !(tx.has(NET_F_CSUM) && rx.has(NET_F_GUEST_CSUM))) return false;
    if ((gso & HDR_GSO_ECN) != 0 && !(tx.has(NET_F_HOST_ECN) && rx.has(NET_F_GUEST_ECN))) return false;
    switch (gso & ~HDR_GSO_ECN) {
    case HDR_GSO_NONE: return (gso & HDR_GSO_ECN) == 0;
    case HDR_GSO_TCPV4: return tx.has(NET_F_HOST_TSO4) && rx.has(NET_F_GUEST_TSO4);
    case HDR_GSO_TCPV6: return tx.has(NET_F_HOST_TSO6) && rx.has(NET_F_GUEST_TSO6);
    default: return false; // (UDP fragmentation: not offered)
    }
}

enum class Move : u8 { moved, dropped, wait, stop };

/// Takes the first frame of `tx`'s queue (checked) to `rx`, if it can.
Move move_one(NetLink& link, unsigned from, u32& bytes) {
    Transport& tx = net_end(link, from);
    Transport& rx = net_end(link, 1 - from);
    Virtqueue& tq = tx.q[NET_TX];
    Fault why;
    u16 pending = 0, head = 0;
    if (!queue_pending(tq, pending, why) || (pending != 0 && !queue_head(tq, 0, head, why))) {
        transport_fail(tx, why.text);
        return Move::stop;
    }
    if (pending == 0) return Move::stop;
    u32 frame = 0;
    if (!chain_bytes(tq, tx.ram, head, false, frame, why)) {
        transport_fail(tx, why.text);
        return Move::stop;
    }
    auto complete_tx = [&] {
        queue_push_used(tq, head, 0);
        ++tq.next_avail;
    };
    // A frame nobody can take is dropped, as on a cable to a NIC that is down.
    const bool receiver_up = rx.live(NET_RX) && rx.vm->state.load(std::memory_order_acquire) == VmState::running;
    u8 hdr[NET_HDR_BYTES] = {};
    {
        Chain c(tq, tx.ram, head, false);
        Copier peek(c);
        if (peek.fill({hdr, sizeof hdr}, why) < 0) {
            transport_fail(tx, why.text);
            return Move::stop;
        }
    }
    const bool sane = frame > NET_HDR_BYTES && frame <= NET_FRAME_MAX && deliverable(tx, rx, hdr[0], hdr[1]);
    if (!receiver_up || !sane) {
        if (!sane && !link.said_drop[from]) {
            link.said_drop[from] = true;
            log("vm %s: virtio-net: dropped a %u-byte frame with header flags %#x, gso type %#x (what the two "
                "drivers accepted does not allow it)",
                tx.vm->name(), frame, hdr[0], hdr[1]);
        }
        ++link.dropped[from];
        complete_tx();
        return Move::dropped;
    }
    // Enough posted receive buffers for the whole frame (one, without
    // mergeable buffers), checked before any is taken.
    Virtqueue& rq = rx.q[NET_RX];
    u16 posted = 0;
    if (!queue_pending(rq, posted, why)) {
        transport_fail(rx, why.text);
        return Move::dropped; // (the frame stays: the link is down now, so it goes next time)
    }
    const u16 max_buffers = rx.has(NET_F_MRG_RXBUF) ? posted : (posted < 1 ? posted : 1);
    u16 buffers = 0;
    u32 room = 0;
    while (room < frame && buffers < max_buffers) {
        u16 rhead = 0;
        u32 len = 0;
        if (!queue_head(rq, buffers, rhead, why) || !chain_bytes(rq, rx.ram, rhead, true, len, why)) {
            transport_fail(rx, why.text);
            return Move::dropped;
        }
        room += len;
        ++buffers;
    }
    if (room < frame) {
        // Waits for more buffers; but one buffer too small for the frame
        // (no mergeable buffers) is the receiver's loss.
        // (A receiver whose whole ring is posted and still too small never will be.)
        if (buffers == posted && posted < rq.num && (rx.has(NET_F_MRG_RXBUF) || posted == 0)) return Move::wait;
        ++link.dropped[from];
        complete_tx();
        return Move::dropped;
    }
    // The copy. The guests may rewrite their descriptors meanwhile, so every
    // one is checked again as it is used; a frame cut short is one's own doing.
    Chain src(tq, tx.ram, head, false);
    Copier copy(src);
    Transport* culprit = nullptr;
    const u16 used_before = rq.used_idx;
    u8* first = nullptr; // the receiver's first segment: it gets num_buffers
    u32 left = frame;
    u16 used = 0;
    for (; used < buffers && left != 0 && culprit == nullptr; ++used) {
        u16 rhead = 0;
        if (!queue_head(rq, used, rhead, why)) {
            culprit = &rx;
            break;
        }
        Chain dst(rq, rx.ram, rhead, true);
        Segment s;
        u32 written = 0;
        while (left != 0 && culprit == nullptr) {
            if (!dst.next(s, why)) {
                if (why.text[0] != 0) culprit = &rx;
                break;
            }
            if (first == nullptr) {
                if (s.len < NET_HDR_BYTES) {
                    format_to(why.text, sizeof why.text, "a receive buffer smaller than the %u-byte header",
                              NET_HDR_BYTES);
                    culprit = &rx;
                    break;
                }
                first = s.p;
            }
            const i64 n = copy.fill({s.p, s.len < left ? s.len : left}, why);
            if (n < 0) culprit = &tx;
            if (n <= 0) break; // (the source ended early: it was rewritten under us)
            written += static_cast<u32>(n);
            left -= static_cast<u32>(n);
        }
        if (culprit == nullptr) queue_push_used(rq, rhead, written);
    }
    if (culprit != nullptr || first == nullptr) {
        rq.used_idx = used_before; // (nothing of it was published)
        transport_fail(culprit != nullptr ? *culprit : tx, culprit != nullptr ? why.text : "an empty frame");
        return Move::stop;
    }
    rq.next_avail = static_cast<u16>(rq.next_avail + used);
    // The header as it was checked (the sender may have rewritten its copy
    // since), with num_buffers, its last field, set: in the receiver's first buffer.
    memcpy(first, hdr, 10);
    const u16 nb = used;
    memcpy(first + 10, &nb, 2);
    complete_tx();
    ++link.frames[from];
    bytes += frame;
    return Move::moved;
}

MmioResult net_notify(Transport& t, u16 q) {
    // A transmit notification moves this end's frames; a receive one (new
    // buffers) the frames the peer has waiting.
    if (!plugged(t)) {
        if (q == NET_TX) drop_all(t);
        return MmioResult::done;
    }
    // New receive buffers reached on this VM's own exit, not the sender's.
    if (q == NET_RX) queue_reach_posted(t.q[NET_RX], t.ram);
    const unsigned from = q == NET_TX ? side_of(t) : 1 - side_of(t);
    return net_pump(link_of(t), from) ? MmioResult::retry : MmioResult::done;
}

} // namespace

constinit const DeviceOps NET_OPS{"virtio-net", 1, NET_FEATURES, 2, net_config, net_notify, nullptr};

void net_hand_over(void* from, void* to) {
    Transport& f = *static_cast<Transport*>(from);
    Transport& t = *static_cast<Transport*>(to);
    NetLink& link = link_of(f);
    LockGuard guard(link.lock);
    const unsigned side = side_of(f);
    if (&link != &link_of(t) || side_of(t) != side || !plugged(f))
        arch::panic("virtio-net: a takeover by a device that is not the same link's spare");
    link.plugged[side] = static_cast<u8>(index_of(t) % 2);
    transport_interrupt(t, IRQ_CONFIG); // its link is up (its driver reads the status again)
    (void)net_pump(link, 1 - side);     // what the peer had waiting for the failed VM (the rest at its next notify)
}

bool net_pump(NetLink& link, unsigned from) {
    Transport& tx = net_end(link, from);
    Transport& rx = net_end(link, 1 - from);
    if (!tx.live(NET_TX) || tx.vm->state.load(std::memory_order_acquire) != VmState::running) return false;
    u32 bytes = 0;
    u64 moved = 0;
    Move m = Move::moved;
    while (bytes < NET_BYTES_PER_EXIT) {
        m = move_one(link, from, bytes);
        if (m == Move::wait || m == Move::stop) break;
        ++moved;
    }
    if (moved != 0) {
        if (queue_publish(tx.q[NET_TX])) transport_interrupt(tx, IRQ_USED);
        if (rx.live(NET_RX) && queue_publish(rx.q[NET_RX])) transport_interrupt(rx, IRQ_USED);
    }
    return bytes >= NET_BYTES_PER_EXIT && m != Move::wait && m != Move::stop;
}

} // namespace tessera::virtio

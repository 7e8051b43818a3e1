// virtio_console.cpp — the hypervisor's end of a virtio-console channel: bytes between a Linux VM's virtqueues and
// the server's message ring.
#include "virtio_console.hpp"

#include "boot_only.hpp"

#include "arch.hpp"
#include "channel_ring.hpp"
#include "console.hpp"
#include "format.hpp"
#include "hypercall_abi.hpp"
#include "string.hpp"
#include "vm.hpp"

namespace tessera::virtio {

namespace {

ConsoleLink& link_of(const Transport& t) { return *static_cast<ConsoleLink*>(t.device); }

u8 console_config(const Transport&, u64) { return 0; } // (no size, ports or emergency write offered)

bool server_up(const ConsoleLink& l) {
    const Vm& server = g_vms.vms[g_channels.channels[l.k].vm[1]];
    return server.state.load(std::memory_order_acquire) == VmState::running;
}

/// The server's ring broke its rules: its messages stop (the Linux side just
/// hears nothing more); what Linux writes still goes to the server.
void ring_fail(ConsoleLink& l, const char* why) {
    if (l.ring_broken) return;
    l.ring_broken = true;
    log("vm %s: virtio-console channel: %s; its messages are ignored from now on",
        g_vms.vms[g_channels.channels[l.k].vm[1]].name(), why);
}

/// Linux's transmit buffers to the server's ring, one message each, while
/// they fit; true if any went (the server's doorbell is then rung).
bool to_server(ConsoleLink& l) {
    Transport& t = l.dev;
    if (!t.live(CONSOLE_TX)) return false;
    Virtqueue& q = t.q[CONSOLE_TX];
    bool any = false, used = false;
    for (;;) {
        Fault why;
        u16 pending = 0, head = 0;
        if (!queue_pending(q, pending, why) || (pending != 0 && !queue_head(q, 0, head, why))) {
            transport_fail(t, why.text);
            break;
        }
        if (pending == 0) break;
        Chain c(q, t.ram, head, false);
        Segment s;
        u32 len = 0;
        while (c.next(s, why)) {
            if (s.len > CONSOLE_MESSAGE_MAX - len) {
                format_to(why.text, sizeof why.text, "a transmit buffer over %u bytes", CONSOLE_MESSAGE_MAX);
                break;
            }
            memcpy(l.outgoing + len, s.p, s.len);
            len += s.len;
        }
        if (why.text[0] != 0) {
            transport_fail(t, why.text);
            break;
        }
        // Nobody to hear it: dropped, as a console line with nothing on the other end.
        if (len != 0 && server_up(l)) {
            const ring::Half h(l.ring, l.size, 0);
            if (!ring::send(h, l.sent, l.outgoing, len)) break; // full: waits for the server to take some
            any = true;
        }
        queue_push_used(q, head, 0);
        ++q.next_avail;
        used = true;
    }
    if (used && queue_publish(q)) transport_interrupt(t, IRQ_USED);
    return any;
}

/// The server's messages into Linux's receive buffers, as far as they go.
void to_linux(ConsoleLink& l) {
    Transport& t = l.dev;
    if (!t.live(CONSOLE_RX) || t.vm->state.load(std::memory_order_acquire) != VmState::running) return;
    Virtqueue& q = t.q[CONSOLE_RX];
    bool used = false;
    for (;;) {
        if (l.held == 0) {
            if (l.ring_broken) break;
            const ring::Half h(l.ring, l.size, 1);
            const u32 n = ring::receive(h, l.taken, l.message, sizeof l.message);
            if (n == ring::EMPTY) break;
            if (n == ring::BROKEN) {
                ring_fail(l, "a message ring that makes no sense (or a message over 4096 bytes)");
                break;
            }
            l.held = n;
            l.held_at = 0;
        }
        Fault why;
        u16 pending = 0, head = 0;
        if (!queue_pending(q, pending, why) || (pending != 0 && !queue_head(q, 0, head, why))) {
            transport_fail(t, why.text);
            break;
        }
        if (pending == 0) break; // Linux has no buffer now: the rest waits for its next one
        Chain c(q, t.ram, head, true);
        Segment s;
        u32 written = 0;
        while (l.held != 0 && c.next(s, why)) {
            const u32 n = s.len < l.held ? s.len : l.held;
            memcpy(s.p, l.message + l.held_at, n);
            l.held_at += n;
            l.held -= n;
            written += n;
        }
        if (why.text[0] != 0) {
            transport_fail(t, why.text);
            break;
        }
        queue_push_used(q, head, written);
        ++q.next_avail;
        used = true;
    }
    if (used && queue_publish(q)) transport_interrupt(t, IRQ_USED);
}

MmioResult console_notify(Transport& t, u16 q) {
    ConsoleLink& l = link_of(t);
    if (q == CONSOLE_TX) {
        if (to_server(l)) channel_doorbell(l.k, 1);
    } else {
        // New receive buffers reached on Linux's own exit, not its server's.
        queue_reach_posted(t.q[CONSOLE_RX], t.ram);
        to_linux(l);
    }
    return MmioResult::done; // (bounded: a queue's worth of buffers of at most 4 KiB each)
}

/// The server rang: it sent something, or made room for what waits.
i64 on_server_ring(void* ctx) {
    ConsoleLink& l = *static_cast<ConsoleLink*>(ctx);
    if (l.dev.vm->state.load(std::memory_order_acquire) != VmState::running) return abi::CHANNEL_PEER_DOWN;
    LockGuard guard(l.lock);
    to_linux(l);
    if (to_server(l)) channel_doorbell(l.k, 1);
    return 0;
}

/// A new driver (or a restarted Linux) does not get the rest of a message meant for the one before.
void console_reset(Transport& t) {
    ConsoleLink& l = link_of(t);
    l.held = 0;
    l.held_at = 0;
}

constexpr DeviceOps CONSOLE_OPS{"virtio-console", 3, F_VERSION_1, 2, console_config, console_notify, console_reset};

} // namespace

TESSERA_BOOT_ONLY void console_link_init(ConsoleLink& link, unsigned k, Vm& linux_vm, u32 intid) {
    Channel& ch = g_channels.channels[k];
    transport_init(link.dev, CONSOLE_OPS, linux_vm, link.lock, &link, intid);
    link.k = k;
    link.ring = static_cast<u8*>(arch::phys_to_ptr(ch.pa));
    link.size = ch.size;
    ch.ctx = &link;
    ch.on_ring = on_server_ring;
}

} // namespace tessera::virtio

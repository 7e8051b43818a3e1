// virtqueue.cpp — split virtqueues: checked reads of the driver's rings, writes of the device's.
#include "virtqueue.hpp"

#include <stdarg.h>

#include "format.hpp"
#include "string.hpp"

namespace tessera::virtio {

namespace {

// Split-ring layout (virtio 1.2 §2.7): a 16-byte descriptor; the available
// ring is flags, idx, ring[num], used_event; the used ring is flags, idx,
// {id, len}[num], avail_event.
constexpr u64 DESC_BYTES = 16;
constexpr u16 DESC_F_NEXT = 1;
constexpr u16 DESC_F_WRITE = 2;
constexpr u16 DESC_F_INDIRECT = 4;
constexpr u16 AVAIL_F_NO_INTERRUPT = 1;

u16 load16(const u8* p) { return __atomic_load_n(reinterpret_cast<const u16*>(p), __ATOMIC_ACQUIRE); }

__attribute__((format(printf, 2, 3))) bool fail(Fault& why, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vformat_to(why.text, sizeof why.text, fmt, ap);
    va_end(ap);
    return false;
}

unsigned long long ull(u64 v) { return v; }

} // namespace

bool queue_enable(Virtqueue& q, const GuestRam& ram, Fault& why) {
    if (q.num == 0 || q.num > QUEUE_MAX || (q.num & (q.num - 1)) != 0)
        return fail(why, "queue size %u (a power of two up to %u)", q.num, QUEUE_MAX);
    const u64 desc_len = DESC_BYTES * q.num, avail_len = 6 + 2ull * q.num, used_len = 6 + 8ull * q.num;
    if (q.desc_ipa % 16 != 0 || q.avail_ipa % 2 != 0 || q.used_ipa % 4 != 0)
        return fail(why, "misaligned queue areas (%#llx, %#llx, %#llx)", ull(q.desc_ipa), ull(q.avail_ipa),
                    ull(q.used_ipa));
    q.desc = ram.at(q.desc_ipa, desc_len);
    q.avail = ram.at(q.avail_ipa, avail_len);
    q.used = ram.at(q.used_ipa, used_len);
    if (q.desc == nullptr || q.avail == nullptr || q.used == nullptr)
        return fail(why, "queue areas outside its RAM (%#llx, %#llx, %#llx)", ull(q.desc_ipa), ull(q.avail_ipa),
                    ull(q.used_ipa));
    q.next_avail = 0;
    q.used_idx = 0;
    return true;
}

bool queue_pending(const Virtqueue& q, u16& count, Fault& why) {
    count = static_cast<u16>(load16(q.avail + 2) - q.next_avail);
    if (count > q.num) return fail(why, "available index %u entries ahead of a %u-entry queue", count, q.num);
    return true;
}

bool queue_head(const Virtqueue& q, u16 k, u16& head, Fault& why) {
    const u16 slot = static_cast<u16>(q.next_avail + k) & (q.num - 1);
    head = load16(q.avail + 4 + usize{2} * slot);
    if (head >= q.num) return fail(why, "available entry names descriptor %u of %u", head, q.num);
    return true;
}

bool Chain::next(Segment& s, Fault& why) {
    why.text[0] = 0;
    if (next_ >= q_.num) return false;
    if (++seen_ > q_.num) return fail(why, "a descriptor chain loops");
    u8 raw[DESC_BYTES];
    memcpy(raw, q_.desc + DESC_BYTES * next_, DESC_BYTES); // one read: the guest may change it meanwhile
    u64 addr = 0;
    u32 len = 0;
    u16 flags = 0, link = 0;
    memcpy(&addr, raw, 8);
    memcpy(&len, raw + 8, 4);
    memcpy(&flags, raw + 12, 2);
    memcpy(&link, raw + 14, 2);
    if ((flags & DESC_F_INDIRECT) != 0) return fail(why, "an indirect descriptor (not offered)");
    if (((flags & DESC_F_WRITE) != 0) != device_writes_)
        return fail(why, device_writes_ ? "a receive buffer the device may not write"
                                        : "a transmit buffer marked device-writable");
    if (len > CHAIN_MAX_BYTES - bytes_) return fail(why, "a descriptor chain over %u bytes", CHAIN_MAX_BYTES);
    s.p = ram_.at(addr, len);
    if (s.p == nullptr) return fail(why, "a buffer outside its RAM (%#llx, %u bytes)", ull(addr), len);
    s.len = len;
    bytes_ += len;
    if ((flags & DESC_F_NEXT) == 0) {
        next_ = ~0u;
    } else {
        if (link >= q_.num) return fail(why, "a descriptor chained to %u of %u", link, q_.num);
        next_ = link;
    }
    return true;
}

void queue_reach_posted(Virtqueue& q, const GuestRam& ram) {
    if (ram.vm == nullptr || !ram.vm->fill_lazily) return;
    const u16 avail = load16(q.avail + 2);
    const u16 pending = static_cast<u16>(avail - q.next_avail);
    if (pending > q.num) return; // (not valid: the device's own use of the queue says why)
    // From the first entry not reached by an earlier call, unless the device
    // has gone past it since (then all that is pending: bounded by the queue).
    u16 k = static_cast<u16>(q.reached - q.next_avail) <= pending ? q.reached : q.next_avail;
    // A lean walk, not Chain's: this runs on every receive notify, and
    // checks nothing the device's use of a chain does not check again; a
    // descriptor outside its RAM reaches nothing (ram.at: nullptr).
    for (; k != avail; ++k) {
        u32 i = load16(q.avail + 4 + usize{2} * (k & (q.num - 1)));
        for (u32 steps = 0; i < q.num && steps < q.num; ++steps) {
            // Two loads: the address, then length, flags and link together.
            u64 addr = 0, rest = 0;
            __builtin_memcpy(&addr, q.desc + DESC_BYTES * i, 8);
            __builtin_memcpy(&rest, q.desc + DESC_BYTES * i + 8, 8);
            const auto len = static_cast<u32>(rest);
            if (len != 0 && len <= CHAIN_MAX_BYTES) (void)ram.at(addr, len);
            if ((rest >> 32 & DESC_F_NEXT) == 0) break;
            i = static_cast<u32>(rest >> 48);
        }
    }
    q.reached = avail;
}

bool chain_bytes(const Virtqueue& q, const GuestRam& ram, u16 head, bool device_writes, u32& bytes, Fault& why) {
    Chain c(q, ram, head, device_writes);
    Segment s;
    bytes = 0;
    while (c.next(s, why)) bytes += s.len;
    return why.text[0] == 0;
}

void queue_push_used(Virtqueue& q, u16 head, u32 len) {
    u8* e = q.used + 4 + usize{8} * (q.used_idx & (q.num - 1));
    const u32 id = head;
    memcpy(e, &id, 4);
    memcpy(e + 4, &len, 4);
    ++q.used_idx;
}

bool queue_publish(Virtqueue& q) {
    __atomic_store_n(reinterpret_cast<u16*>(q.used + 2), q.used_idx, __ATOMIC_RELEASE);
    // The index store before the flags load: a driver that re-enables
    // interrupts after looking at the index sees it, or we see its flag.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return (load16(q.avail) & AVAIL_F_NO_INTERRUPT) == 0;
}

} // namespace tessera::virtio

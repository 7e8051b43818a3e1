// virtio_attack.cpp — a hostile virtio-net driver: it lies to its device about its rings, then floods the Linux VM
// at the other end of the cable with frames.
//
// Each lie must leave its own device marked DEVICE_NEEDS_RESET (and the
// device working again after a reset); the flood must cost the Linux VM
// nothing but the frames themselves (its shell answers; the test checks).
// The hypervisor must neither fault nor let the attacker touch any memory
// but its own.
#include "kit.hpp"
#include "vplatform.hpp"

using tessera::u16;
using tessera::u32;
using tessera::u64;
using tessera::u8;

namespace {

// virtio-mmio 2 registers (virtio 1.2 §4.2.2.1) and the bits this driver uses.
constexpr u64 R_DEVICE_ID = 0x008, R_DRV_FEATURES = 0x020, R_DRV_FEATURES_SEL = 0x024, R_QUEUE_SEL = 0x030,
              R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044, R_NOTIFY = 0x050, R_IRQ_ACK = 0x064, R_STATUS = 0x070,
              R_DESC = 0x080, R_DRIVER = 0x090, R_DEVICE = 0x0a0;
constexpr u32 ACK = 1, DRIVER = 2, DRIVER_OK = 4, FEATURES_OK = 8, NEEDS_RESET = 0x40;
constexpr u16 RX = 0, TX = 1, NUM = 64;
constexpr u16 F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;

volatile u32* reg(u64 off) { return reinterpret_cast<volatile u32*>(tessera::vplat::VIRTIO_BASE + off); }

struct Desc {
    u64 addr;
    u32 len;
    u16 flags, next;
};
struct alignas(4096) Queue {
    Desc desc[NUM];
    alignas(2) volatile u16 avail[2 + NUM + 1]; // flags, idx, ring, used_event
    alignas(4) volatile u32 used[1 + 2 * NUM + 1];
};
Queue g_q[2];
alignas(64) u8 g_frame[1526];
alignas(64) u8 g_rx[NUM][1536]; // receive buffers: the victim's first frame says it is up
u16 g_avail_idx = 0;

u64 addr(const volatile void* p) { return reinterpret_cast<u64>(p); } // (the kit maps RAM at its IPA)

/// Resets the device and brings it up again, as a driver does (§3.1.1).
void start() {
    *reg(R_STATUS) = 0;
    for (Queue& q : g_q) {
        for (auto& d : q.desc) d = Desc{};
        for (auto& a : q.avail) a = 0;
        for (auto& u : q.used) u = 0;
    }
    g_avail_idx = 0;
    *reg(R_STATUS) = ACK | DRIVER;
    *reg(R_DRV_FEATURES_SEL) = 1;
    *reg(R_DRV_FEATURES) = 1; // VERSION_1 only
    *reg(R_STATUS) = ACK | DRIVER | FEATURES_OK;
    kit::check((*reg(R_STATUS) & FEATURES_OK) != 0, "the device takes VERSION_1");
    for (u16 q = 0; q < 2; ++q) {
        *reg(R_QUEUE_SEL) = q;
        *reg(R_QUEUE_NUM) = NUM;
        *reg(R_DESC) = static_cast<u32>(addr(g_q[q].desc));
        *reg(R_DESC + 4) = 0;
        *reg(R_DRIVER) = static_cast<u32>(addr(g_q[q].avail));
        *reg(R_DRIVER + 4) = 0;
        *reg(R_DEVICE) = static_cast<u32>(addr(g_q[q].used));
        *reg(R_DEVICE + 4) = 0;
        *reg(R_QUEUE_READY) = 1;
    }
    *reg(R_STATUS) = ACK | DRIVER | FEATURES_OK | DRIVER_OK;
}

/// Offers chain `head` on the transmit queue and notifies.
void transmit(u16 head) {
    g_q[TX].avail[2 + g_avail_idx % NUM] = head;
    asm volatile("dmb ish" ::: "memory");
    g_q[TX].avail[1] = ++g_avail_idx;
    asm volatile("dmb ish" ::: "memory");
    *reg(R_NOTIFY) = TX;
}

bool broken() { return (*reg(R_STATUS) & NEEDS_RESET) != 0; }

/// Each lie a driver can tell about its transmit queue: the device must stop.
void lie() {
    const u64 outside = tessera::vplat::RAM_BASE + u64{64} * 1024 * 1024; // far past this VM's 2 MiB
    struct Lie {
        const char* what;
        Desc d0, d1;
        u16 head;
    };
    const Lie lies[] = {
        {"a buffer outside its RAM", {outside, 64, 0, 0}, {}, 0},
        {"a buffer reaching past its RAM", {tessera::vplat::RAM_BASE + u64{2} * 1024 * 1024 - 16, 64, 0, 0}, {}, 0},
        {"a chain that loops", {addr(g_frame), 64, F_NEXT, 1}, {addr(g_frame), 64, F_NEXT, 0}, 0},
        {"an indirect table", {addr(g_frame), 64, F_INDIRECT, 0}, {}, 0},
        {"a writable transmit buffer", {addr(g_frame), 64, F_WRITE, 0}, {}, 0},
        {"a head beyond the table", {}, {}, NUM + 5},
        {"a length that wraps", {addr(g_frame), 0xffff'fff0u, 0, 0}, {}, 0},
    };
    unsigned caught = 0;
    for (const Lie& l : lies) {
        start();
        g_q[TX].desc[0] = l.d0;
        g_q[TX].desc[1] = l.d1;
        transmit(l.head);
        if (broken())
            ++caught;
        else
            kit::print("attacker: %s was not caught\n", l.what);
    }
    // An available index far ahead of the queue.
    start();
    g_q[TX].avail[1] = 1000;
    *reg(R_NOTIFY) = TX;
    if (broken()) ++caught;
    kit::print("attacker: %u of %u lies about its rings stopped its own device\n", caught,
               static_cast<unsigned>(sizeof lies / sizeof lies[0]) + 1);
    kit::check(caught == sizeof lies / sizeof lies[0] + 1, "every lie stops the liar's device");
}

/// Waits for the victim's first frame (its stack announces itself when its
/// interface comes up): from then on the flood reaches a running Linux.
void wait_for_victim() {
    for (u16 i = 0; i < NUM; ++i) {
        g_q[RX].desc[i] = Desc{addr(g_rx[i]), sizeof g_rx[i], F_WRITE, 0};
        g_q[RX].avail[2 + i] = i;
    }
    asm volatile("dmb ish" ::: "memory");
    g_q[RX].avail[1] = NUM;
    *reg(R_NOTIFY) = RX;
    const u64 give_up = kit::counter() + kit::counter_frequency() * 120;
    while ((g_q[RX].used[0] >> 16) == 0) kit::check(kit::counter() < give_up, "the victim's stack speaks within 2 min");
    kit::print("attacker: the victim is up; flooding\n");
}

/// Valid broadcast frames of an experimental EtherType, as fast as the device takes them.
void flood(u64 seconds) {
    start();
    wait_for_victim();
    const u64 until = kit::counter() + kit::counter_frequency() * seconds;
    for (u32 i = 0; i < sizeof g_frame; ++i) g_frame[i] = static_cast<u8>(i * 7);
    for (u32 i = 0; i < 12; ++i) g_frame[i] = 0;     // the virtio header: no offloads
    for (u32 i = 12; i < 18; ++i) g_frame[i] = 0xff; // to everyone
    g_frame[24] = 0x88, g_frame[25] = 0xb5;          // EtherType 0x88b5 (local experimental)
    for (u16 i = 0; i < NUM; ++i) g_q[TX].desc[i] = Desc{addr(g_frame), sizeof g_frame, 0, 0};
    u64 sent = 0;
    u16 seen = 0;
    while (kit::counter() < until) {
        // Reuse what the device gave back; keep the queue full.
        const u16 done = static_cast<u16>(g_q[TX].used[0] >> 16);
        sent += static_cast<u16>(done - seen);
        seen = done;
        while (static_cast<u16>(g_avail_idx - seen) < NUM) transmit(g_avail_idx % NUM);
        *reg(R_IRQ_ACK) = 1;
    }
    kit::check(!broken(), "an honest flood leaves the device working");
    kit::print("attacker: flooded the cable with %llu frames\n", static_cast<unsigned long long>(sent));
}

} // namespace

int main() {
    kit::check(*reg(R_DEVICE_ID) == 1, "a virtio network device at the documented address");
    lie();
    flood(5);
    kit::pass();
}

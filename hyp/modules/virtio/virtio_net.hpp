// virtio_net.hpp — a virtio-net link: two VMs' network devices joined by a cable, frames copied by EL2.
//
// Each end is a virtio-mmio transport in its VM (the stock virtio_mmio and
// virtio_net drivers of Debian's kernel drive it). A frame the one side
// queues for transmission is copied into a receive buffer the other side
// has posted, checked descriptor by descriptor on both sides. Like a cable
// with a NIC at each end: if the receiver is not up, the frame is dropped;
// if it is up but has no buffer, the frame waits (the sender's queue
// fills, and its driver stops sending) until the receiver posts one.
//
// An end whose VM is a failover pair's active one has a second device, in
// the pair's standby at the same place and with the same MAC address: its
// cable is unplugged (link down, frames dropped) until the standby takes
// over, when the cable moves to it (net_hand_over).
#pragma once

#include "virtio_mmio.hpp"

namespace tessera::virtio {

// Feature bits of a network device (§5.1.3).
inline constexpr u64 NET_F_CSUM = 1ull << 0;       ///< it may send frames whose checksum is left to do
inline constexpr u64 NET_F_GUEST_CSUM = 1ull << 1; ///< it takes such frames
inline constexpr u64 NET_F_MAC = 1ull << 5;
inline constexpr u64 NET_F_GUEST_TSO4 = 1ull << 7; ///< it takes TCP segments larger than the MTU
inline constexpr u64 NET_F_GUEST_TSO6 = 1ull << 8;
inline constexpr u64 NET_F_GUEST_ECN = 1ull << 9;
inline constexpr u64 NET_F_HOST_TSO4 = 1ull << 11; ///< it may send them
inline constexpr u64 NET_F_HOST_TSO6 = 1ull << 12;
inline constexpr u64 NET_F_HOST_ECN = 1ull << 13;
inline constexpr u64 NET_F_MRG_RXBUF = 1ull << 15;
inline constexpr u64 NET_F_STATUS = 1ull << 16; ///< the link's status is in the configuration space
inline constexpr u16 NET_S_LINK_UP = 1;
/// What the link offers: the offloads let the two stacks hand each other
/// 64 KiB TCP segments with the checksum still to do, so a bulk transfer
/// crosses in few frames (the link is memory to memory: nothing is lost by
/// not cutting them up or checking them on the way).
inline constexpr u64 NET_FEATURES = F_VERSION_1 | NET_F_MAC | NET_F_STATUS | NET_F_MRG_RXBUF | NET_F_CSUM |
                                    NET_F_GUEST_CSUM | NET_F_HOST_TSO4 | NET_F_HOST_TSO6 | NET_F_HOST_ECN |
                                    NET_F_GUEST_TSO4 | NET_F_GUEST_TSO6 | NET_F_GUEST_ECN;

// struct virtio_net_hdr: flags and gso_type, its first two bytes.
inline constexpr u8 HDR_F_NEEDS_CSUM = 1;
inline constexpr u8 HDR_GSO_NONE = 0;
inline constexpr u8 HDR_GSO_TCPV4 = 1;
inline constexpr u8 HDR_GSO_TCPV6 = 4;
inline constexpr u8 HDR_GSO_ECN = 0x80;

inline constexpr u16 NET_RX = 0;         ///< receiveq1
inline constexpr u16 NET_TX = 1;         ///< transmitq1
inline constexpr u32 NET_HDR_BYTES = 12; ///< struct virtio_net_hdr with num_buffers (VERSION_1)
/// The largest frame the link carries: a 64 KiB segment (or MTU: virtio-net
/// without VIRTIO_NET_F_MTU lets the driver choose up to that), with room
/// for its headers, and the virtio header.
inline constexpr u32 NET_FRAME_MAX = NET_HDR_BYTES + 65536 + 64;
/// Bytes one notification moves before the guest's access is repeated:
/// bounds the time an exit takes (interrupts and the scheduler get a turn).
inline constexpr u32 NET_BYTES_PER_EXIT = 256 * 1024;

struct NetLink {
    Spinlock lock;
    /// Side i's devices: [i][0] in the VM the system file names, [i][1] in
    /// its failover standby (if it has one); the one plugged in is [i][plugged[i]].
    Transport port[2][2];
    u8 plugged[2] = {};
    u8 mac[2][6] = {};
    u64 frames[2] = {};  ///< frames delivered from end i to the other
    u64 dropped[2] = {}; ///< frames from end i that nobody could take
    bool said_drop[2] = {};
};

/// What makes a transport a network device (its configuration and queues).
extern const DeviceOps NET_OPS;

/// Sets up `link` between `a` and `b` (boot): transports at their
/// `intid`s, MAC addresses 02:74:73:00:<k>:01 and :02 for link `k`.
void net_link_init(NetLink& link, unsigned k, Vm& a, u32 intid_a, Vm& b, u32 intid_b);

/// Gives side `side` of `link` its unplugged device in `standby` at `intid`
/// (boot; that side's VM is `standby`'s failover partner).
void net_link_spare(NetLink& link, unsigned side, Vm& standby, u32 intid);

/// The plugged-in device side `side` of `link` has now.
inline Transport& net_end(NetLink& link, unsigned side) { return link.port[side][link.plugged[side]]; }

/// ModelDevice hand_over hook: the cable of `from` (a failed active VM's
/// device) moves to `to` (its standby's device of the same side), which
/// is told of the link now up; the peer's waiting frames go to it.
void net_hand_over(void* from, void* to);

/// Moves frames queued by end `from` to the other end, at most
/// NET_BYTES_PER_EXIT of them; true if more wait and could move now. Lock held.
bool net_pump(NetLink& link, unsigned from);

} // namespace tessera::virtio

// virtio_mmio.hpp — the virtio-mmio transport, version 2 (virtio 1.2 §4.2.2), for devices emulated at EL2.
//
// One Transport is one device in one VM's address space: its registers,
// feature negotiation, status, queues and interrupt line. What the device
// does with its queues and what its configuration space holds comes from
// its DeviceOps (virtio_net.cpp). A guest that breaks the rules gets its
// device marked DEVICE_NEEDS_RESET, with a log line saying why, and the
// device does nothing more until the driver resets it.
#pragma once

#include "model_device.hpp"
#include "spinlock.hpp"
#include "virtqueue.hpp"

namespace tessera {
struct Vm;
}

namespace tessera::virtio {

inline constexpr unsigned MAX_QUEUES = 2;

// Device status bits (§2.1).
inline constexpr u32 STATUS_ACKNOWLEDGE = 1;
inline constexpr u32 STATUS_DRIVER = 2;
inline constexpr u32 STATUS_DRIVER_OK = 4;
inline constexpr u32 STATUS_FEATURES_OK = 8;
inline constexpr u32 STATUS_NEEDS_RESET = 0x40;
inline constexpr u32 STATUS_FAILED = 0x80;

inline constexpr u64 F_VERSION_1 = 1ull << 32;

// InterruptStatus bits.
inline constexpr u32 IRQ_USED = 1;
inline constexpr u32 IRQ_CONFIG = 2;

struct Transport;

/// What makes a transport a particular device.
struct DeviceOps {
    const char* name; ///< for log lines: "virtio-net"
    u32 device_id;    ///< §5: 1 network, 3 console
    u64 features;     ///< offered (F_VERSION_1 always among them)
    u16 queues;
    /// Byte `offset` of the device configuration space.
    u8 (*config_byte)(const Transport& t, u64 offset);
    /// The driver notified queue `q` (the lock is held). Returns retry if it
    /// did only a bounded share of the work and wants the notify repeated.
    MmioResult (*notify)(Transport& t, u16 q);
    /// The device's own state back to power-on with its transport (nullptr: none). Lock held.
    void (*reset)(Transport& t);
};

struct Transport {
    const DeviceOps* ops = nullptr;
    Vm* vm = nullptr;
    GuestRam ram{};
    Spinlock* lock = nullptr; ///< shared with the device's peer, if it has one
    void* device = nullptr;   ///< the device's own state (its ops know the type)
    u32 intid = 0;            ///< its level-sensitive SPI
    // Registers, reset by transport_reset:
    u32 status = 0;
    u32 device_features_sel = 0;
    u32 driver_features_sel = 0;
    u64 driver_features = 0;
    u32 queue_sel = 0;
    u32 irq_status = 0;
    Virtqueue q[MAX_QUEUES];
    bool broken = false; ///< the guest broke a rule: nothing moves until it resets the device

    /// DRIVER_OK set, not broken, and queue `i` enabled.
    [[nodiscard]] bool live(unsigned i) const {
        return (status & STATUS_DRIVER_OK) != 0 && !broken && i < MAX_QUEUES && q[i].ready;
    }
    [[nodiscard]] bool has(u64 feature) const { return (driver_features & feature) != 0; }
};

/// Sets up `t` at boot as device `ops` of `vm` (its RAM as the device sees it),
/// guarded by `lock`, with the device's state `device` and level SPI `intid`.
void transport_init(Transport& t, const DeviceOps& ops, Vm& vm, Spinlock& lock, void* device, u32 intid);

/// Back to power-on (status 0 written, or its VM reloaded). Lock held or boot.
void transport_reset(Transport& t);

/// Marks the device broken (DEVICE_NEEDS_RESET, a configuration-change
/// interrupt) and logs `why` with its VM's name. Lock held.
void transport_fail(Transport& t, const char* why);

/// Sets InterruptStatus bit(s) `bits` and raises its line. Lock held.
void transport_interrupt(Transport& t, u32 bits);

/// ModelDevice hooks (`self` is the Transport).
MmioResult transport_access(Vcpu& v, void* self, u64 offset, unsigned size, bool write, u64& value);
void transport_reset_hook(void* self);

} // namespace tessera::virtio

// virtio_mmio.cpp — the virtio-mmio version 2 register file: negotiation, status, queues, interrupts.
#include "virtio_mmio.hpp"

#include "boot_only.hpp"

#include "arch.hpp"
#include "console.hpp"
#include "string.hpp"
#include "vgic.hpp"
#include "vm.hpp"

namespace tessera::virtio {

namespace {

// Register offsets (§4.2.2.1).
enum : u64 {
    MAGIC = 0x000,
    VERSION = 0x004,
    DEVICE_ID = 0x008,
    VENDOR_ID = 0x00c,
    DEVICE_FEATURES = 0x010,
    DEVICE_FEATURES_SEL = 0x014,
    DRIVER_FEATURES = 0x020,
    DRIVER_FEATURES_SEL = 0x024,
    QUEUE_SEL = 0x030,
    QUEUE_NUM_MAX = 0x034,
    QUEUE_NUM = 0x038,
    QUEUE_READY = 0x044,
    QUEUE_NOTIFY = 0x050,
    INTERRUPT_STATUS = 0x060,
    INTERRUPT_ACK = 0x064,
    STATUS = 0x070,
    QUEUE_DESC_LOW = 0x080,
    QUEUE_DESC_HIGH = 0x084,
    QUEUE_DRIVER_LOW = 0x090,
    QUEUE_DRIVER_HIGH = 0x094,
    QUEUE_DEVICE_LOW = 0x0a0,
    QUEUE_DEVICE_HIGH = 0x0a4,
    SHM_SEL = 0x0ac,
    SHM_LEN_LOW = 0x0b0,
    SHM_LEN_HIGH = 0x0b4,
    SHM_BASE_LOW = 0x0b8,
    SHM_BASE_HIGH = 0x0bc,
    CONFIG_GENERATION = 0x0fc,
    CONFIG = 0x100,
};

constexpr u32 MAGIC_VALUE = 0x7472'6976;    // "virt"
constexpr u32 VENDOR_TESSERA = 0x4152'5354; // "TSRA"

/// Writes the low (`high` false) or high 32 bits of a 64-bit register pair.
void set_half(u64& reg, u64 v, bool high) {
    reg = high ? (reg & 0xffff'ffffull) | (v << 32) : (reg & ~0xffff'ffffull) | v;
}

/// The queue area address a QueueDesc/Driver/Device Low or High register sets; nullptr for other offsets.
u64* queue_area(Virtqueue& q, u64 off) {
    switch (off & ~u64{4}) {
    case QUEUE_DESC_LOW: return &q.desc_ipa;
    case QUEUE_DRIVER_LOW: return &q.avail_ipa;
    case QUEUE_DEVICE_LOW: return &q.used_ipa;
    default: return nullptr;
    }
}

Virtqueue* selected(Transport& t) { return t.queue_sel < t.ops->queues ? &t.q[t.queue_sel] : nullptr; }

/// The driver wrote Status: reset on 0; FEATURES_OK only for features offered
/// that include VERSION_1 (this transport is modern only); DRIVER_OK only
/// after FEATURES_OK (§3.1.1); DEVICE_NEEDS_RESET stays until a reset.
void write_status(Transport& t, u32 v) {
    if (v == 0) {
        transport_reset(t);
        return;
    }
    if ((v & STATUS_FEATURES_OK) != 0 && (t.status & STATUS_FEATURES_OK) == 0) {
        if ((t.driver_features & ~t.ops->features) != 0 || !t.has(F_VERSION_1)) v &= ~STATUS_FEATURES_OK;
    }
    if ((v & STATUS_FEATURES_OK) == 0) v &= ~STATUS_DRIVER_OK;
    t.status = (t.status & STATUS_NEEDS_RESET) | (v & ~STATUS_NEEDS_RESET);
}

/// QueueReady written: 1 checks and enables the selected queue, 0 disables it.
void write_queue_ready(Transport& t, Virtqueue& q, u64 v) {
    if (v == 0) {
        q.ready = false;
        return;
    }
    if (q.ready) return;
    Fault why;
    if (!queue_enable(q, t.ram, why)) {
        char text[140];
        format_to(text, sizeof text, "queue %u: %s", t.queue_sel, why.text);
        transport_fail(t, text);
        return;
    }
    q.ready = true;
}

u64 read_register(Transport& t, u64 off) {
    Virtqueue* q = selected(t);
    switch (off) {
    case MAGIC: return MAGIC_VALUE;
    case VERSION: return 2;
    case DEVICE_ID: return t.ops->device_id;
    case VENDOR_ID: return VENDOR_TESSERA;
    case DEVICE_FEATURES:
        return t.device_features_sel < 2 ? (t.ops->features >> (32 * t.device_features_sel)) & 0xffff'ffff : 0;
    case QUEUE_NUM_MAX: return q != nullptr ? QUEUE_MAX : 0;
    case QUEUE_READY: return q != nullptr && q->ready ? 1 : 0;
    case INTERRUPT_STATUS: return t.irq_status;
    case STATUS: return t.status;
    case SHM_LEN_LOW:
    case SHM_LEN_HIGH: return 0xffff'ffff; // no shared memory regions
    default: return 0; // (CONFIG_GENERATION among them: only a 16-bit field ever changes, a link's status)
    }
}

void write_register(Transport& t, u64 off, u64 v) {
    Virtqueue* q = selected(t);
    // A queue's settings are fixed while it is enabled (§4.2.2.3 of the driver's duties).
    Virtqueue* setting = q != nullptr && !q->ready ? q : nullptr;
    switch (off) {
    case DEVICE_FEATURES_SEL: t.device_features_sel = static_cast<u32>(v); break;
    case DRIVER_FEATURES:
        if (t.driver_features_sel < 2 && (t.status & STATUS_FEATURES_OK) == 0)
            set_half(t.driver_features, v, t.driver_features_sel == 1);
        break;
    case DRIVER_FEATURES_SEL: t.driver_features_sel = static_cast<u32>(v); break;
    case QUEUE_SEL: t.queue_sel = static_cast<u32>(v); break;
    case QUEUE_NUM:
        if (setting != nullptr) setting->num = static_cast<u16>(v > QUEUE_MAX ? 0 : v);
        break;
    case QUEUE_READY:
        if (q != nullptr) write_queue_ready(t, *q, v);
        break;
    case INTERRUPT_ACK:
        t.irq_status &= ~static_cast<u32>(v);
        if (t.irq_status == 0) vgic_set_line(*t.vm, t.intid, false);
        break;
    case STATUS: write_status(t, static_cast<u32>(v)); break;
    default:
        // A queue area's address, low or high half; anything else is read-only
        // or unused, and ignored as the specification asks.
        if (u64* area = setting != nullptr ? queue_area(*setting, off) : nullptr; area != nullptr)
            set_half(*area, v, (off & 4) != 0);
        break;
    }
}

} // namespace

TESSERA_BOOT_ONLY void transport_init(Transport& t, const DeviceOps& ops, Vm& vm, Spinlock& lock, void* device,
                                      u32 intid) {
    t.ops = &ops;
    t.vm = &vm;
    if (vm.stage2.root().raw() != 0) // (a VM refused at boot has no RAM: its device never comes up)
        t.ram = GuestRam{vm.ram.base.raw(), vm.ram.size, static_cast<u8*>(arch::phys_to_ptr(vm.ram_pa)), &vm};
    t.lock = &lock;
    t.device = device;
    t.intid = intid;
}

void transport_reset(Transport& t) {
    t.status = 0;
    t.device_features_sel = 0;
    t.driver_features_sel = 0;
    t.driver_features = 0;
    t.queue_sel = 0;
    for (Virtqueue& q : t.q) q = Virtqueue{};
    t.broken = false;
    if (t.ops->reset != nullptr) t.ops->reset(t);
    if (t.irq_status != 0) vgic_set_line(*t.vm, t.intid, false);
    t.irq_status = 0;
}

void transport_fail(Transport& t, const char* why) {
    if (t.broken) return;
    t.broken = true;
    t.status |= STATUS_NEEDS_RESET;
    if (guest_may_log(*t.vm))
        log("vm %s: %s: %s; the device stops until its driver resets it", t.vm->name(), t.ops->name, why);
    transport_interrupt(t, IRQ_CONFIG);
}

void transport_interrupt(Transport& t, u32 bits) {
    const bool was = t.irq_status != 0;
    t.irq_status |= bits;
    if (!was) vgic_set_line(*t.vm, t.intid, true);
}

MmioResult transport_access(Vcpu&, void* self, u64 offset, unsigned size, bool write, u64& value) {
    Transport& t = *static_cast<Transport*>(self);
    LockGuard guard(*t.lock);
    if (offset >= CONFIG) {
        // Device configuration: read-only here, any width (§4.2.2.2), little-endian.
        if (!write) {
            value = 0;
            for (unsigned i = 0; i < size; ++i) value |= u64{t.ops->config_byte(t, offset - CONFIG + i)} << (8 * i);
        }
        return MmioResult::done;
    }
    if (size != 4 || offset % 4 != 0) return MmioResult::bad_access; // registers are 32-bit only
    if (!write) {
        value = read_register(t, offset);
        return MmioResult::done;
    }
    if (offset == QUEUE_NOTIFY) {
        // (Notifications of a queue not enabled, or of a stopped device, do nothing.)
        if (value < t.ops->queues && t.live(static_cast<unsigned>(value)))
            return t.ops->notify(t, static_cast<u16>(value));
        return MmioResult::done;
    }
    write_register(t, offset, value);
    return MmioResult::done;
}

void transport_reset_hook(void* self) {
    Transport& t = *static_cast<Transport*>(self);
    LockGuard guard(*t.lock);
    transport_reset(t);
}

} // namespace tessera::virtio

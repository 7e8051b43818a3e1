// virtqueue.hpp — the device's side of a split virtqueue (virtio 1.2 §2.7) in a guest's RAM, every index and
// descriptor checked before use.
//
// The rings are the guest's memory and it may rewrite them at any moment, so
// nothing read from them is trusted twice: an index or descriptor is loaded
// once, checked, and used from the local copy. A check that fails names what
// was wrong (Fault) and the device stops (virtio_mmio.cpp): a guest that lies
// about its rings harms only its own device.
#pragma once

#include "checked_range.hpp"
#include "types.hpp"
#include "vm.hpp"

namespace tessera::virtio {

/// A VM's RAM as its devices see it: guest-physical [base, base + size) at
/// `host`, or, with `vm`, that VM's RAM as vm_ram_at() gives it (what the
/// guest never touched is filled first: a device never reads or keeps what
/// the VM's last run left there).
struct GuestRam {
    u64 base = 0;
    u64 size = 0;
    u8* host = nullptr;
    Vm* vm = nullptr;

    /// Where [ipa, ipa + len) is, if wholly inside this RAM; nullptr otherwise.
    [[nodiscard]] u8* at(u64 ipa, u64 len) const {
        if (vm != nullptr) return vm_ram_at(*vm, ipa, len);
        if (!fits_inside(ipa, len, base, size)) return nullptr;
        return host + (ipa - base);
    }
};

/// What a guest got wrong, for the log line.
struct Fault {
    char text[112] = {};
};

/// The most entries a queue may have (QueueNumMax).
inline constexpr u16 QUEUE_MAX = 256;
/// The longest descriptor chain's bytes the device will look at (a 64 KiB frame and its header).
inline constexpr u32 CHAIN_MAX_BYTES = 128 * 1024;

struct Virtqueue {
    u16 num = 0; ///< entries, as the driver set it (QueueNum)
    bool ready = false;
    u64 desc_ipa = 0;  ///< the descriptor table
    u64 avail_ipa = 0; ///< the driver area (available ring)
    u64 used_ipa = 0;  ///< the device area (used ring)
    // Set by queue_enable, from the checked addresses above:
    u8* desc = nullptr;
    u8* avail = nullptr;
    u8* used = nullptr;
    // The device's own state, never read back from guest memory:
    u16 next_avail = 0; ///< the next available entry to take
    u16 used_idx = 0;   ///< the used index as the device last published it
    u16 reached = 0;    ///< queue_reach_posted(): entries before this one were reached
};

/// One stretch of guest memory in a chain.
struct Segment {
    u8* p = nullptr;
    u32 len = 0;
};

/// Checks `q`'s size and areas against `ram` and sets its pointers (the
/// driver wrote QueueReady = 1). False, with `why`, if they are not valid.
[[nodiscard]] bool queue_enable(Virtqueue& q, const GuestRam& ram, Fault& why);

/// Available entries not taken yet; false, with `why`, if the driver's index
/// ran further ahead than the queue has entries.
[[nodiscard]] bool queue_pending(const Virtqueue& q, u16& count, Fault& why);

/// The head descriptor of available entry `next_avail + k`.
[[nodiscard]] bool queue_head(const Virtqueue& q, u16 k, u16& head, Fault& why);

/// Walks the descriptor chain starting at `head`, one segment at a time,
/// checking each descriptor: inside `ram`, the direction the queue needs
/// (`device_writes`), no indirect tables (not offered), no loops.
class Chain {
public:
    Chain(const Virtqueue& q, const GuestRam& ram, u16 head, bool device_writes)
        : q_(q), ram_(ram), next_(head), device_writes_(device_writes) {}
    /// The next segment. False at the end (`why` empty) or at a fault (`why` set).
    [[nodiscard]] bool next(Segment& s, Fault& why);

private:
    const Virtqueue& q_;
    const GuestRam& ram_;
    u32 next_;      ///< the descriptor to read next; >= num: the end
    u32 seen_ = 0;  ///< descriptors read (a chain longer than the table loops)
    u32 bytes_ = 0; ///< bytes so far
    bool device_writes_;
};

/// Reaches every buffer the driver posted to `q` since the last call that
/// the device has not taken yet: each chain walked through `ram`, so that
/// what its VM never touched is filled now (vm_ram_at). Called on the
/// driver's own notify of a queue the device writes into, so that the
/// device's later writes there — on another VM's exit (a frame arriving, a
/// console message) — never make that VM pay for this one's first touch.
/// Nothing to do for a VM scrubbed eagerly. A chain that is not valid ends
/// the walk (the device's own use of it says why).
void queue_reach_posted(Virtqueue& q, const GuestRam& ram);

/// Bytes in the chain at `head`; false, with `why`, if a descriptor is not valid.
[[nodiscard]] bool chain_bytes(const Virtqueue& q, const GuestRam& ram, u16 head, bool device_writes, u32& bytes,
                               Fault& why);

/// Puts {head, len} in the used ring (not visible to the driver until queue_publish).
void queue_push_used(Virtqueue& q, u16 head, u32 len);

/// Makes the used entries visible (release) and says whether the driver
/// wants an interrupt for them (its available ring's flags).
[[nodiscard]] bool queue_publish(Virtqueue& q);

} // namespace tessera::virtio

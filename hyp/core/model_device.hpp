// model_device.hpp — a device model kept out of the core (hyp/modules), placed in a VM's address space at boot.
//
// The core routes a trapped access inside `range` to `access`, resets the
// model at each (re)load of its VM and hands it over to a failover standby's
// twin; it knows nothing else of it. So a module
// such as the virtio devices is linked and counted apart from the core.
#pragma once

#include "addr.hpp"
#include "types.hpp"

namespace tessera {

struct Vcpu;

enum class MmioResult : u8 {
    done,       ///< emulated; the guest moves on
    retry,      ///< emulated in part: the guest repeats the access (bounded work per exit)
    no_device,  ///< nothing is there: a stray access
    bad_access, ///< a device is there, but not with this width
    misaligned, ///< a device is there, but the access is not aligned to its size: a bus error, as on hardware
};

struct ModelDevice {
    IpaRange range{};
    /// `v`'s access of `size` bytes at `offset` into `range`; reads fill `value`.
    MmioResult (*access)(Vcpu& v, void* self, u64 offset, unsigned size, bool write, u64& value) = nullptr;
    /// Back to its power-on state, when its VM is (re)loaded.
    void (*reset)(void* self) = nullptr;
    void* self = nullptr;
    /// Its VM failed as a failover pair's active one: `to`, the standby's
    /// model at the same place, takes over its role (failover.hpp). nullptr:
    /// a model that is not handed over (the SDK and the boot refuse pairs with one).
    void (*hand_over)(void* from, void* to) = nullptr;
};

} // namespace tessera

// model_device.hpp — a device model kept out of the core (hyp/modules), placed in a VM's address space at boot.
//
// The core routes a trapped access inside `range` to `access` and resets the
// model at each (re)load of its VM; it knows nothing else of it. So a module
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
};

struct ModelDevice {
    IpaRange range{};
    /// `v`'s access of `size` bytes at `offset` into `range`; reads fill `value`.
    MmioResult (*access)(Vcpu& v, void* self, u64 offset, unsigned size, bool write, u64& value) = nullptr;
    /// Back to its power-on state, when its VM is (re)loaded.
    void (*reset)(void* self) = nullptr;
    void* self = nullptr;
};

} // namespace tessera

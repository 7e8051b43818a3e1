// vsp805.hpp — a virtual Arm SP805 watchdog per VM (Arm DDI 0270): what a guest stops kicking when it hangs.
#pragma once

#include <atomic>

#include "spinlock.hpp"
#include "types.hpp"
#include "vplatform.hpp"

namespace tessera {

struct Vcpu;

/// The SP805 counts LOAD+1 clocks down to zero, raises its interrupt and
/// counts again; reaching zero with the interrupt still raised resets the
/// board — here, fails the VM. Writing LOAD or INTCLR starts a count again.
/// Time is the system counter's: nothing runs while the guest does not touch
/// the device. The interrupt is shown in RIS/MIS but not delivered (Linux's
/// sp805_wdt never asks for it).
struct Vsp805 {
    Spinlock lock;
    u32 load = 0xffff'ffff;
    u32 control = 0; ///< INTEN (bit 0), RESEN (bit 1)
    bool locked = false;
    u64 count_from_us = 0; ///< when the current count started (LOAD, INTCLR or INTEN written)
    /// When it fails the VM (counter ticks), ~0 if it cannot (stopped, or
    /// reset not enabled). Read by the scheduler of the VM's first core.
    std::atomic<u64> deadline{~0ull};
};

/// Power-on state: stopped, unlocked, LOAD all ones.
void vsp805_reset(Vsp805& w);

/// vCPU `v`'s 32-bit access at `offset` into its VM's watchdog; false for other widths.
[[nodiscard]] bool vsp805_access(Vcpu& v, u64 offset, unsigned size, bool write, u64& value);

} // namespace tessera

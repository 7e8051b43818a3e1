// fake_arch.hpp (host fake) — the test's side of the fake architecture: the clock, the core the code runs on, and what
// it asked for.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "addr.hpp"
#include "types.hpp"
#include "vgic.hpp"

namespace tessera {
struct Vcpu;
} // namespace tessera

namespace tessera::arch::fake {

/// run_vcpu(): the core would enter `vcpu` now (thrown: it never returns).
struct Entered {
    unsigned core;
    Vcpu* vcpu;
};
/// idle_wait() with nothing to run: the core would sleep (thrown).
struct Idled {
    unsigned core;
};
/// system_off() (thrown).
struct PoweredOff {};
/// panic() (thrown, with the report's first line).
struct Panicked {
    std::string why;
};

/// Everything the core asked the architecture for, for tests to check.
/// (Tests may call into the core from several threads, as several cores.)
struct Machine {
    unsigned core = 0;                   ///< what this_core() answers
    u64 ticks = 0;                       ///< the counter; 1000 ticks per microsecond
    u64 timer[8] = {};                   ///< each core's timer deadline (~0: none)
    std::atomic<unsigned> kicks[8] = {}; ///< kick_core() calls per core
    std::atomic<unsigned> resets{0};     ///< vcpu_reset() calls
    unsigned released = 0;               ///< vm_release_hw() calls
    unsigned tlb_flushes = 0;            ///< stage2_unmapped() calls
    unsigned vm_tlb_flushes = 0;         ///< stage2_forget() calls
    unsigned fp_borrows = 0;             ///< fp_borrow() calls
    unsigned icache_forgets = 0;         ///< forget_instructions() calls
    u64 tags_cleared = 0;                ///< bytes clear_tags() covered
    bool rndr = false;                   ///< the core has RNDR: hardware_random() gives words
    u64 rndr_draws = 0;                  ///< words it gave
    unsigned sve_vq = 0;                 ///< the board's longest SVE vector, in 128-bit granules (0: no SVE)
    bool mte = false;                    ///< the board has MTE with tag memory
    u64 ticks_per_zeroed_mib =
        0; ///< the counter moves on this much per MiB zero_to_poc() or clean_dcache_to_poc() covers (a scrub's time)
    u64 scrubbed = 0; ///< bytes zero_to_poc() and clean_dcache_to_poc() covered
    struct Cleaned {
        u64 at, size;
    };
    std::vector<Cleaned> cleaned; ///< each range zero_to_poc() or clean_dcache_to_poc() cleaned, in order
    unsigned lr_count = 4;        ///< list registers lr_place() may fill per vCPU
    struct Placed {
        Vcpu* vcpu = nullptr;
        LrEntry entry;
    };
    std::vector<Placed> placed; ///< what lr_place() put in list registers, until lrs_drain()
    /// List registers (vCPU, INTID, forwarded) the guest has finished, for
    /// lr_refill() to find; each found is taken out and counted.
    struct Finished {
        Vcpu* vcpu = nullptr;
        u32 intid = 0;
        bool hw = false;
    };
    std::vector<Finished> finished;
    unsigned refills = 0;
    /// Called by wait_event(): a test lets "another core" act while this one waits.
    std::function<void()> on_wait;
};

/// The fake machine (reset by reset()).
Machine& machine();
/// Forgets everything: core 0, counter 0, no timers, no calls.
void reset();

} // namespace tessera::arch::fake

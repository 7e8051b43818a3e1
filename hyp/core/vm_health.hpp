// vm_health.hpp — high availability: a failed VM restarted by its policy, and its watchdog watched.
//
// A VM fails when it takes a fault it cannot handle, traps on something no
// one emulates, exits with a non-zero code or lets its watchdog expire. Its
// system file says what then: it stays stopped (the default) or it starts
// again from its images in the payload, its RAM scrubbed first (or, by
// default, forgotten and scrubbed on first touch: ram_fill.hpp), at most
// max_restarts times within a window and after a back-off that doubles.
// Restarts and watchdog deadlines are timed events of the core its vCPU 0
// lives on (its "home" core), handled by that core's scheduler: no other
// VM waits for them.
#pragma once

#include <atomic>

#include "spinlock.hpp"
#include "types.hpp"

namespace tessera {

struct Vm;
struct PerCore;

/// A VM's failures and restarts (in Vm).
struct VmHealth {
    Spinlock lock;                             ///< one failure decided at a time
    std::atomic<u64> restart_at{~0ull};        ///< restarting: when (counter ticks) its home core starts it again
    u64 window_start = 0;                      ///< when the present restart window opened (ticks)
    u32 window_restarts = 0;                   ///< restarts within it
    u32 restarts = 0;                          ///< since the board started
    u64 failed_at = 0;                         ///< when it last failed (ticks)
    const char* requested_by = nullptr;        ///< restarting at someone's request (not a failure): whose
    u64 scrub_next = ~0ull;                    ///< restarting: its RAM's next byte to scrub (~0: not begun)
    std::atomic<bool> takeover_pending{false}; ///< failed as a pair's active VM: its partner takes over first
    u32 takeovers = 0;                         ///< times it took over from its partner
    bool final_after_takeover = false;         ///< past max_restarts: after the takeover it stays stopped
};

/// What vm_health_claim_restart() decided.
enum class RestartClaim : u8 {
    no,      ///< its policy does not restart it, or its limit is reached: it stops for good
    yes,     ///< it is now restarting: its vCPUs must leave their cores; vm_health_changed() arms the restart
    already, ///< it is not running (another core stopped it, or it is restarting already): nothing to do
};

/// `vm` failed, as `line` says (a log line's text, `cap` bytes): decides
/// whether it restarts. On yes, marks it restarting and appends when and
/// which restart it is; on no because the limit is reached, appends that.
/// Any core.
RestartClaim vm_health_claim_restart(Vm& vm, char* line, usize cap);

/// Restarts `vm` from its images as soon as its home core can, at the
/// request of `who` ("the console's (Ctrl-T r)", a monitor's command, "its
/// own": the guest's PSCI SYSTEM_RESET), whatever its failure policy and
/// without counting as a failure; a VM that has ended or failed starts again
/// too, unless `running_only`. Its vCPUs stop at once. False if it is
/// restarting already (or not running, with `running_only`). Any core.
bool vm_restart_request(Vm& vm, const char* who, bool running_only = false);

/// `vm`'s watchdog deadline or restart time changed: its home core takes
/// the earlier of them into its next timer (and is kicked if it is another
/// core). Any core.
void vm_health_changed(Vm& vm);

/// On `core`, outside its queue lock: restarts the VMs homed here whose
/// back-off is over and fails those whose watchdog expired. Returns at once
/// when nothing is due.
void vm_health_run(PerCore& core);

} // namespace tessera

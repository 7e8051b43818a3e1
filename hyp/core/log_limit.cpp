// log_limit.cpp — the per-VM budget of guest-caused log lines.
#include "log_limit.hpp"

#include "arch.hpp"
#include "console.hpp"
#include "vm.hpp"

namespace tessera {

bool guest_may_log(Vm& vm) {
    LogLimit& l = vm.log_limit;
    u32 left_out = 0;
    {
        LockGuard guard(l.lock);
        const u64 now = arch::now_ticks();
        if (l.used == 0 || now - l.window_start >= arch::us_to_ticks(1'000'000)) {
            l.window_start = now;
            l.used = 0;
        }
        if (l.used >= LOG_BURST) {
            ++l.left_out;
            return false;
        }
        ++l.used;
        left_out = l.left_out;
        l.left_out = 0;
    }
    if (left_out != 0)
        log("vm %s: %u more lines about it were left out (at most %u a second)", vm.name(), left_out, LOG_BURST);
    return true;
}

} // namespace tessera

// progress.cpp — stopping a VM whose vCPU retries one trapped instruction forever (it would otherwise spin unseen).
#include "progress.hpp"

#include "format.hpp"

namespace tessera {

bool note_stall(Vcpu& v, u64 pc_before, const char* what) {
    if (v.stall_pc != pc_before) {
        v.stall_pc = pc_before;
        v.stalls = 0;
    }
    if (++v.stalls <= STALL_LIMIT) return true;
    char why[128];
    format_to(why, sizeof why, "vCPU %u made no progress: %s at PC %#llx trapped %u times in a row", v.index, what,
              static_cast<unsigned long long>(pc_before), STALL_LIMIT + 1);
    vm_stop(*v.vm, StopReason::unhandled_trap, 0, why);
    return false;
}

} // namespace tessera

// guest_fault.cpp — stage-2 aborts: log, inject an external abort, or stop the VM.
#include "guest_fault.hpp"

#include "arch.hpp"
#include "format.hpp"
#include "log_limit.hpp"

namespace tessera {

void on_guest_abort(Vcpu& v, Ipa ipa, u64 va, u64 pc, bool instruction, bool write) {
    Vm& vm = *v.vm;
    const char* what = instruction ? "instruction fetch" : write ? "write" : "read";
    if (v.abort_vector != 0 && pc == v.abort_vector) {
        // The vector we sent it to is itself outside its memory: the guest
        // has no way to handle the abort, so it ends here.
        char why[96];
        format_to(why, sizeof why, "its exception vector at %#llx is not in its memory",
                  static_cast<unsigned long long>(pc));
        vm_stop(vm, StopReason::fault, 0, why);
        return;
    }
    if (guest_may_log(vm))
        log("vm %s: vcpu %u: %s of IPA %#llx (VA %#llx, PC %#llx) outside its memory; injecting external abort",
            vm.name(), v.index, what, static_cast<unsigned long long>(ipa.raw()), static_cast<unsigned long long>(va),
            static_cast<unsigned long long>(pc));
    v.abort_vector = arch::inject_external_abort(v, va, instruction, write);
}

} // namespace tessera

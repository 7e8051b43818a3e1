// intruder.cpp — reads and writes outside its memory; each access must come back as an external abort.
#include "kit.hpp"

namespace {

volatile tessera::u64 g_aborts = 0;
volatile tessera::u64 g_last_far = 0;
volatile tessera::u64 g_last_esr = 0;

bool on_abort(kit::ExceptionFrame& f, tessera::u64 kind) {
    const tessera::u64 ec = f.esr >> 26;
    if (kind != 0 || ec != 0x25) return false; // only synchronous data aborts at EL1
    g_aborts = g_aborts + 1;
    g_last_far = f.far;
    g_last_esr = f.esr;
    f.elr += 4; // skip the faulting access
    return true;
}

void probe(tessera::u64 addr, bool write) {
    const tessera::u64 before = g_aborts;
    auto* p = reinterpret_cast<volatile tessera::u64*>(addr);
    if (write)
        *p = 0xdeadbeefdeadbeefull;
    else
        (void)*p;
    kit::print("%s %#llx: abort %s, ESR %#llx, FAR %#llx\n", write ? "write" : "read",
               static_cast<unsigned long long>(addr), g_aborts == before + 1 ? "taken" : "MISSING",
               static_cast<unsigned long long>(g_last_esr), static_cast<unsigned long long>(g_last_far));
    kit::check(g_aborts == before + 1, "the access raised exactly one abort");
    kit::check(g_last_far == addr, "FAR holds the faulting address");
    kit::check((g_last_esr & 0x3f) == 0x10, "fault status is a synchronous external abort");
    kit::check(((g_last_esr >> 6) & 1) == (write ? 1u : 0u), "WnR tells read from write");
}

} // namespace

int main() {
    kit::set_exception_handler(on_abort);
    probe(0x4020'0000, false); // just past its 2 MiB: where the hypervisor lives physically
    probe(0x4020'0000, true);
    probe(0x4800'0000, true); // far outside, still in the guest's RAM window
    probe(0x7fff'f000, false);
    kit::print("all stray accesses were stopped\n");
    kit::pass();
}

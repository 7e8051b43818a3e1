// seckern.cpp — the security kernel partition: it holds a secret key that no other VM can map.
//
// At boot it derives a key, keeps it only in its own RAM, asks the
// hypervisor to audit every other VM's stage-2 tables (no mapping may reach
// its RAM), checks the key is intact, and reports ready. It then stays in
// service for 3 s, checking the key, and ends; its request path arrives with
// the inter-VM channels.
#include "gic.hpp"
#include "kit.hpp"

using tessera::u64;

namespace {

constexpr unsigned KEY_WORDS = 4;
u64 g_key[KEY_WORDS]; // lives in this VM's RAM and nowhere else

/// A key from the counter's low bits, mixed (splitmix64): enough for a demo,
/// not a cryptographic generator.
void derive_key() {
    u64 s = kit::counter() ^ 0x5eed'5ec0'4e41ull;
    for (u64& w : g_key) {
        s += 0x9e37'79b9'7f4a'7c15ull;
        u64 z = s;
        z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebull;
        w = z ^ (z >> 31);
    }
}

constexpr tessera::u32 VTIMER = 27;
volatile u64 g_wakes = 0;

bool on_timer(kit::ExceptionFrame&, u64 kind) {
    if (kind != 1) return false;
    const tessera::u32 id = kit::gic::ack();
    if (id == VTIMER) {
        g_wakes = g_wakes + 1;
        asm volatile("msr cntv_ctl_el0, %0; isb" ::"r"(0ull));
    }
    if (id < 1020) kit::gic::end(id);
    return true;
}

u64 fingerprint() {
    u64 h = 1469598103934665603ull;
    for (u64 w : g_key) h = (h ^ w) * 1099511628211ull;
    return h;
}

} // namespace

int main() {
    derive_key();
    const u64 sealed = fingerprint();
    const kit::CallResult audit = kit::hvc(tessera::abi::TESSERA_MEMORY_PRIVATE);
    kit::check(audit.x0 == 0, "the hypervisor audits memory");
    kit::print("seckern: %llu mappings of other VMs audited: %s\n", static_cast<unsigned long long>(audit.x2),
               audit.x1 == 1 ? "none reaches this VM's memory" : "SOME REACH THIS VM'S MEMORY");
    kit::check(audit.x1 == 1, "memory private to this VM");
    kit::check(fingerprint() == sealed, "the key is intact");
    kit::print("seckern: key sealed in private memory (fingerprint %04llx); ready\n",
               static_cast<unsigned long long>(sealed & 0xffff));
    // In service: sleep in WFI (the core goes to others), waking every
    // 100 ms on the virtual timer to check the key.
    kit::set_exception_handler(on_timer);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    kit::gic::enable(VTIMER, 0);
    kit::gic::irq_on();
    const u64 freq = kit::counter_frequency();
    for (unsigned i = 0; i < 30; ++i) {
        const u64 before = g_wakes;
        asm volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(kit::counter() + freq / 10), "r"(1ull));
        while (g_wakes == before) asm volatile("wfi");
        kit::check(fingerprint() == sealed, "the key stays intact");
    }
    kit::gic::irq_off();
    kit::print("seckern: key intact after 3 s of service\n");
    return 0;
}

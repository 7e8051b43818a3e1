// leave_boot.cpp (aarch64) — from boot to running guests: once every core is past its boot code, that code and its
// read-only data leave the EL2 address space.
#include "arch.hpp"
#include "console.hpp"
#include "mmu.hpp"
#include "sched.hpp"
#include "sysreg.hpp"

extern "C" char __boot_code_start[], __text_end[], __boot_rodata_start[], __rodata_end[];

namespace tessera::arch {

namespace {

constinit std::atomic<unsigned> g_past_boot{0};     ///< cores that have left their boot code
constinit std::atomic<bool> g_boot_unmapped{false}; ///< core 0 has unmapped it: guests may run

u64 addr(const char* p) { return reinterpret_cast<u64>(p); }

} // namespace

void leave_boot(PerCore& core, El2Table& table) {
    g_past_boot.fetch_add(1, std::memory_order_acq_rel);
    if (core.index == 0) {
        // Every core that came up runs this before its first schedule(): once
        // all have, nothing executes the boot code any more.
        unsigned online = 0;
        for (unsigned i = 0; i < g_core_count; ++i) online += g_cores[i].online.load(std::memory_order_acquire) ? 1 : 0;
        if (!wait_until([&] { return g_past_boot.load(std::memory_order_acquire) >= online; }, 1'000'000))
            panic("a core did not leave its boot code within 1 s");
        // The boot-only parts are whole pages at the ends of the code and of
        // the read-only data (link.ld).
        const u64 code = addr(__text_end) - addr(__boot_code_start);
        const u64 rodata = addr(__rodata_end) - addr(__boot_rodata_start);
        if (table.unmap(VirtAddr(addr(__boot_code_start)), code) != Status::ok ||
            table.unmap(VirtAddr(addr(__boot_rodata_start)), rodata) != Status::ok)
            panic("cannot unmap the boot-only code and data");
        asm volatile("dsb ishst\n\ttlbi alle2is\n\tdsb ish\n\tisb" ::: "memory");
        log("boot-only code and data unmapped (%llu KiB): touching them now faults",
            static_cast<unsigned long long>((code + rodata) / KiB));
        g_boot_unmapped.store(true, std::memory_order_release);
        dsb_ish();
        for (unsigned i = 1; i < g_core_count; ++i) kick_core(i);
    }
    // No guest runs before the boot code is gone: from the first guest
    // instruction on, nothing can reach it. (The boot core set everything up
    // before; until then this core sleeps, and costs nothing.)
    while (!g_boot_unmapped.load(std::memory_order_acquire)) idle_wait();
    schedule(core);
}

} // namespace tessera::arch

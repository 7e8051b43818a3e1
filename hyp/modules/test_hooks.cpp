// test_hooks.cpp — test-only hypercalls that make EL2 fault on purpose (linked only into test images).
//
// They prove from outside: an unexpected EL2 exception produces the panic
// report, the EL2 mappings really are W^X, and the boot-only code and data
// are gone once guests run.
#include "console.hpp"
#include "hypercall.hpp"
#include "hypercall_abi.hpp"

namespace tessera {

namespace {

/// Never called: only its bytes are the target of the write attempt.
[[gnu::noinline]] u64 write_target(u64 x) { return x * 3 + 1; }

/// A `ret` instruction placed in writable data.
constinit u32 g_data_code[1] = {0xd65f03c0};

} // namespace

extern "C" [[noreturn]] void boot_main(const void* fdt); // (hyp/boot/main.cpp: boot-only)
extern "C" const char __boot_rodata_start[];             // (arch/aarch64/link.ld: boot-only data)

bool module_hypercall(Vcpu& v, uint32_t fid) {
    switch (fid) {
    case abi::TESSERA_TEST_EL2_WRITE_CODE: {
        auto* code = reinterpret_cast<volatile u32*>(&write_target);
        log("test hook: vm %s asks EL2 to write its own code at %p", v.vm->name(),
            reinterpret_cast<void*>(&write_target));
        *code = 0xd503201f; // nop: harmless if it lands, but it must not
        v.ctx.regs.x[0] = 0;
        return true;
    }
    case abi::TESSERA_TEST_EL2_EXEC_DATA: {
        log("test hook: vm %s asks EL2 to execute data at %p", v.vm->name(), static_cast<void*>(g_data_code));
        auto fn = reinterpret_cast<void (*)()>(reinterpret_cast<uintptr_t>(g_data_code));
        asm volatile("" ::: "memory");
        fn();
        v.ctx.regs.x[0] = 0;
        return true;
    }
    case abi::TESSERA_TEST_EL2_CALL_BOOT: {
        log("test hook: vm %s asks EL2 to call its boot code at %p", v.vm->name(), reinterpret_cast<void*>(&boot_main));
        auto fn = &boot_main;
        asm volatile("" : "+r"(fn)); // (a call through a pointer, as a stray one would be)
        fn(nullptr);
        v.ctx.regs.x[0] = 0; // (not reached: the call faults)
        return true;
    }
    case abi::TESSERA_TEST_EL2_READ_BOOT: {
        log("test hook: vm %s asks EL2 to read its boot data at %p", v.vm->name(),
            static_cast<const void*>(__boot_rodata_start));
        const auto* data = reinterpret_cast<const volatile u8*>(__boot_rodata_start);
        v.ctx.regs.x[0] = *data; // (faults: the page is unmapped)
        return true;
    }
    default: return false;
    }
}

} // namespace tessera

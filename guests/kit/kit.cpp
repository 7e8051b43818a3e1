// kit.cpp — the bare-metal guest kit: console, hypercalls, exceptions, test helpers.
#include "kit.hpp"

#include "format.hpp"
#include "vplatform.hpp"

/// The counter at the VM's first instruction, stored by start.S (after it zeroed .bss).
extern "C" tessera::u64 kit_entry_ticks;
tessera::u64 kit_entry_ticks = 0;

namespace kit {

namespace {

ExceptionHandler g_handler = nullptr;
FrameSwitch g_switch = nullptr;
bool g_uart_console = false;

/// Writes straight to the PL011 at QEMU virt's address (emulated by Tessera).
class UartSink final : public tessera::Sink {
public:
    void put(char c) override {
        auto* base = reinterpret_cast<volatile tessera::u32*>(tessera::vplat::UART);
        while (base[0x18 / 4] & (1u << 5)) {}
        base[0] = static_cast<unsigned char>(c);
    }
};

/// Buffers output and sends it in CONSOLE_WRITE-sized pieces.
class HvcSink final : public tessera::Sink {
public:
    void put(char c) override {
        buf_[len_++] = c;
        if (len_ == tessera::abi::CONSOLE_WRITE_MAX || c == '\n') flush();
    }
    void flush() {
        if (len_ == 0) return;
        u64 w[5] = {};
        for (u64 i = 0; i < len_; ++i)
            w[i / 8] |= static_cast<u64>(static_cast<unsigned char>(buf_[i])) << (8 * (i % 8));
        hvc(tessera::abi::TESSERA_CONSOLE_WRITE, len_, w[0], w[1], w[2], w[3], w[4]);
        len_ = 0;
    }

private:
    char buf_[tessera::abi::CONSOLE_WRITE_MAX]{};
    u64 len_ = 0;
};

} // namespace

CallResult hvc(u64 fid, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6) {
    register u64 x0 asm("x0") = fid;
    register u64 x1 asm("x1") = a1;
    register u64 x2 asm("x2") = a2;
    register u64 x3 asm("x3") = a3;
    register u64 x4 asm("x4") = a4;
    register u64 x5 asm("x5") = a5;
    register u64 x6 asm("x6") = a6;
    asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)::"memory");
    return {x0, x1, x2, x3};
}

WideResult hvc_wide(u64 fid, u64 a1) {
    register u64 x0 asm("x0") = fid;
    register u64 x1 asm("x1") = a1;
    register u64 x2 asm("x2") = 0;
    register u64 x3 asm("x3") = 0;
    register u64 x4 asm("x4") = 0;
    register u64 x5 asm("x5") = 0;
    register u64 x6 asm("x6") = 0;
    register u64 x7 asm("x7") = 0;
    asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7)::"memory");
    return {{x0, x1, x2, x3, x4, x5, x6, x7}};
}

CallResult smc(u64 fid, u64 a1, u64 a2, u64 a3) {
    register u64 x0 asm("x0") = fid;
    register u64 x1 asm("x1") = a1;
    register u64 x2 asm("x2") = a2;
    register u64 x3 asm("x3") = a3;
    asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    return {x0, x1, x2, x3};
}

void use_uart_console() { g_uart_console = true; }

void print(const char* fmt, ...) {
    if (g_uart_console) {
        UartSink uart;
        va_list ap;
        va_start(ap, fmt);
        tessera::vformat(uart, fmt, ap);
        va_end(ap);
        return;
    }
    HvcSink sink;
    va_list ap;
    va_start(ap, fmt);
    tessera::vformat(sink, fmt, ap);
    va_end(ap);
    sink.flush();
}

void exit(u64 code) {
    hvc(tessera::abi::TESSERA_VM_EXIT, code);
    for (;;) asm volatile("wfi");
}

void poweroff() {
    hvc(tessera::abi::PSCI_SYSTEM_OFF);
    for (;;) asm volatile("wfi");
}

namespace {
struct SecondaryBoot {
    u64 stack_top;
    void (*fn)(u64);
    u64 arg;
};
constexpr unsigned MAX_CPUS = 256; // a VM's vCPUs on one core (docs: up to 256)
constexpr u64 STACK = 4096;
alignas(16) unsigned char g_stacks[MAX_CPUS][STACK];
SecondaryBoot g_boot[MAX_CPUS];
} // namespace

extern "C" void kit_secondary_start();

long start_cpu(unsigned index, void (*fn)(u64), u64 arg) {
    if (index == 0 || index >= MAX_CPUS) return tessera::abi::PSCI_INVALID_PARAMETERS;
    g_boot[index] = {reinterpret_cast<u64>(g_stacks[index] + STACK), fn, arg};
    // The new vCPU starts with its MMU and caches off: make its boot block visible.
    asm volatile("dc civac, %0; dsb ish" ::"r"(&g_boot[index]) : "memory");
    return static_cast<long>(hvc(tessera::abi::PSCI_CPU_ON + 0x4000'0000, index,
                                 reinterpret_cast<u64>(&kit_secondary_start), reinterpret_cast<u64>(&g_boot[index]))
                                 .x0);
}

void cpu_off() {
    hvc(tessera::abi::PSCI_CPU_OFF);
    for (;;) asm volatile("wfi");
}

u64 entry_counter() { return kit_entry_ticks; }

HaStatus ha_status() {
    const WideResult r = hvc_wide(tessera::abi::TESSERA_HA_STATUS, 0);
    return {r.x[1] != 0, r.x[2], r.x[3], r.x[4] != 0, r.x[5]};
}

VmInfo vm_info() {
    const WideResult r = hvc_wide(tessera::abi::TESSERA_VM_INFO, 0);
    return {r.x[1], r.x[2], r.x[3], r.x[4], r.x[5]};
}

void set_exception_handler(ExceptionHandler handler) { g_handler = handler; }

namespace {

volatile unsigned g_undefined = 0;

bool step_over_undefined(ExceptionFrame& f, u64 kind) {
    if (kind != 0 || (f.esr >> 26) != 0) return false; // (only a synchronous exception, EC 0)
    g_undefined = g_undefined + 1;
    f.elr += 4;
    return true;
}

} // namespace

void count_undefined_instructions() {
    g_undefined = 0;
    set_exception_handler(step_over_undefined);
}

unsigned undefined_instructions() { return g_undefined; }

void set_frame_switch(FrameSwitch choose) { g_switch = choose; }

void check(bool ok, const char* what) {
    if (ok) return;
    print("FAIL: %s\n", what);
    exit(1);
}

void pass() {
    print("PASS\n");
    exit(0);
}

} // namespace kit

/// Called by vectors.S for every exception taken to EL1; returns the frame
/// to resume (another thread's, if a frame switch chose one).
extern "C" kit::ExceptionFrame* kit_exception(kit::ExceptionFrame* frame, tessera::u64 kind) {
    if (kit::g_handler != nullptr && kit::g_handler(*frame, kind)) {
        return kit::g_switch != nullptr ? kit::g_switch(frame) : frame;
    }
    kit::print("FAIL: unexpected exception kind %llu ESR %#llx FAR %#llx ELR %#llx\n",
               static_cast<unsigned long long>(kind), static_cast<unsigned long long>(frame->esr),
               static_cast<unsigned long long>(frame->far), static_cast<unsigned long long>(frame->elr));
    kit::exit(2);
}

extern "C" [[noreturn]] void kit_exit(tessera::u64 code) { kit::exit(code); }
extern "C" [[noreturn]] void kit_cpu_off() { kit::cpu_off(); }

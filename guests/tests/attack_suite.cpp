// attack_suite.cpp — the standing attack suite's attacker: hostile scenarios one after another (memory, emulated
// devices, system registers, hypercalls and PSCI, interrupts and timers), each checking that it got what the
// hardware or the ABI gives such an access (an abort, an undefined instruction, an error code, a value) and nothing
// more. The victim (victim.cpp) shares its core at a higher priority and checks its heartbeat, its interrupts and a
// secret in its RAM meanwhile. Ends with "N of N contained" and exit code 0, or the scenarios that were not.
#include "gic.hpp"
#include "kit.hpp"
#include "vplatform.hpp"

using tessera::u32;
using tessera::u64;
namespace abi = tessera::abi;
namespace vplat = tessera::vplat;

namespace {

constexpr u64 RAM = 0x4000'0000, RAM_SIZE = 2ull << 20; // tests/system/systems/test_attack_suite.yaml
constexpr u64 EC_UNKNOWN = 0x00, EC_SVC32 = 0x11, EC_IABT = 0x21, EC_DABT = 0x25;

/// The last synchronous exception the scenario took (EC, ~0: none) and how many.
volatile u64 g_ec = ~0ull;
volatile u64 g_count = 0;

} // namespace

// A 32-bit process: T32 code run in AArch32 User mode by el0_t32_run(entry),
// which returns the r0 it passes to SVC (~0 if it took another exception).
// The kit's identity map lets User mode execute the kernel's RAM, not read
// it: the T32 code below touches only registers (and, when allowed, its UART).
extern "C" u64 el0_t32_run(u64 entry);
extern "C" char el0_t32_back[], t32_wfi[], t32_mmio_in_it[], t32_debug_read[], t32_rom_table[];
extern "C" u64 el0_saved[13];
u64 el0_saved[13];
asm(R"(
    .text
    .balign 4
    .global el0_t32_run
el0_t32_run:
    adrp    x9, el0_saved
    add     x9, x9, :lo12:el0_saved
    stp     x19, x20, [x9, #0]
    stp     x21, x22, [x9, #16]
    stp     x23, x24, [x9, #32]
    stp     x25, x26, [x9, #48]
    stp     x27, x28, [x9, #64]
    stp     x29, x30, [x9, #80]
    mov     x10, sp
    str     x10, [x9, #96]
    msr     elr_el1, x0
    mov     x10, #0x1f0             // User mode, AArch32 (M 0b10000), T32 (T), A I F masked
    msr     spsr_el1, x10
    mov     x0, #0
    isb
    eret
    .global el0_t32_back
el0_t32_back:                       // the exception handler resumes EL1 here, x0 the result
    adrp    x9, el0_saved
    add     x9, x9, :lo12:el0_saved
    ldp     x19, x20, [x9, #0]
    ldp     x21, x22, [x9, #16]
    ldp     x23, x24, [x9, #32]
    ldp     x25, x26, [x9, #48]
    ldp     x27, x28, [x9, #64]
    ldp     x29, x30, [x9, #80]
    ldr     x10, [x9, #96]
    mov     sp, x10
    ret
    .balign 4
    .global t32_wfi
t32_wfi:                            // (encodings as arm-none-eabi-as gives them)
    .hword  0xbf30                  // wfi            (16-bit: trapped where vCPUs share a core)
    .hword  0x2001                  // movs r0, #1
    .hword  0xdf00                  // svc  #0
    .balign 4
    .global t32_mmio_in_it
t32_mmio_in_it:
    .hword  0x2209                  // movs r2, #9
    .hword  0x0612                  // lsls r2, r2, #24
    .hword  0x3218                  // adds r2, #0x18       (0x09000018: its UART's UARTFR)
    .hword  0x2000                  // movs r0, #0
    .hword  0x2800                  // cmp  r0, #0          (Z)
    .hword  0xbf06                  // itte eq
    .hword  0x6811                  // ldreq r1, [r2]       (emulated by the hypervisor)
    .hword  0x3001                  // addeq r0, #1         (runs)
    .hword  0x3002                  // addne r0, #2         (must not)
    .hword  0xdf00                  // svc  #0
    .balign 4
    .global t32_rom_table
t32_rom_table:
    .hword  0x2105                  // movs r1, #5
    .hword  0xee11, 0x1e10          // mrc  p14, 0, r1, c1, c0, 0   (DBGDRAR: 0, "not valid")
    .hword  0x1c48                  // adds r0, r1, #1
    .hword  0xdf00                  // svc  #0
    .balign 4
    .global t32_debug_read
t32_debug_read:
    .hword  0xee10, 0x1e10          // mrc  p14, 0, r1, c0, c0, 0   (DBGDIDR)
    .hword  0x2001                  // movs r0, #1
    .hword  0xdf00                  // svc  #0
)");

namespace {

volatile bool g_in_el0 = false;

/// Runs a 32-bit process at `entry` with SCTLR_EL1.nTWI set (its WFI not
/// trapped to its own kernel: the hypervisor's trap is the one it meets),
/// its virtual timer's deadline already past (so that WFI wakes at once).
u64 run_t32(const char* entry) {
    u64 sctlr = 0;
    asm volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    asm volatile("msr sctlr_el1, %0; msr cntv_cval_el0, xzr; msr cntv_ctl_el0, %1; isb" ::"r"(sctlr | 1ull << 16),
                 "r"(1ull));
    g_in_el0 = true;
    const u64 r0 = el0_t32_run(reinterpret_cast<u64>(entry));
    asm volatile("msr cntv_ctl_el0, xzr; msr sctlr_el1, %0; isb" ::"r"(sctlr));
    return r0;
}

/// Lets User mode reach (or not) the 2 MiB device block that holds its UART:
/// AP[1] of that block's descriptor in the kit's identity map (level 2,
/// under level-1 entry 0). Only there: a block User mode may write is one
/// the kernel may not execute.
void uart_for_user_mode(bool allow) {
    u64 ttbr = 0;
    asm volatile("mrs %0, ttbr0_el1" : "=r"(ttbr));
    constexpr u64 TABLE_ADDRESS = 0xffff'ffff'f000ull, AP_EL0 = 1ull << 6;
    auto* level1 = reinterpret_cast<volatile u64*>(ttbr & TABLE_ADDRESS);
    auto* level2 = reinterpret_cast<volatile u64*>(level1[0] & TABLE_ADDRESS);
    volatile u64& block = level2[vplat::UART >> 21];
    block = allow ? block | AP_EL0 : block & ~AP_EL0;
    asm volatile("dsb ishst; tlbi vmalle1; dsb ish; isb" ::: "memory");
}

bool on_exception(kit::ExceptionFrame& f, u64 kind) {
    const u64 ec = f.esr >> 26;
    if (g_in_el0 && kind == 0 && (f.spsr & 0x10) != 0) {
        // From the 32-bit process: its SVC ends it with its r0; anything else with ~0.
        g_in_el0 = false;
        f.x[0] = ec == EC_SVC32 ? (f.x[0] & 0xffff'ffff) : ~0ull;
        f.elr = reinterpret_cast<u64>(el0_t32_back);
        f.spsr = 0x3c5; // EL1h, interrupts masked
        return true;
    }
    // Only what a scenario may get; anything else (an IRQ, a BRK) fails the
    // VM with the kit's report rather than being stepped over.
    if (kind != 0 || (ec != EC_UNKNOWN && ec != EC_IABT && ec != EC_DABT)) return false;
    g_ec = ec;
    g_count = g_count + 1;
    // Carry on after the faulting instruction; a fetch abort returns to the caller.
    f.elr = g_ec == EC_IABT ? f.x[30] : f.elr + 4;
    return true;
}

/// Runs `fn` and says whether it took exactly one exception of class `ec`
/// (~0: none at all).
template <class Fn> bool takes(u64 ec, Fn fn) {
    g_ec = ~0ull;
    g_count = 0;
    fn();
    return ec == ~0ull ? g_count == 0 : (g_count == 1 && g_ec == ec);
}

/// The address as the compiler cannot see it: a constant one (0 above all)
/// would let it replace the access with a trap of its own.
u64 opaque(u64 a) {
    asm("" : "+r"(a));
    return a;
}
u64 read64(u64 a) { return *reinterpret_cast<volatile u64*>(opaque(a)); }
u32 read32(u64 a) { return *reinterpret_cast<volatile u32*>(opaque(a)); }
void write64(u64 a, u64 v) { *reinterpret_cast<volatile u64*>(opaque(a)) = v; }
void write32(u64 a, u32 v) { *reinterpret_cast<volatile u32*>(opaque(a)) = v; }
void write8(u64 a, tessera::u8 v) { *reinterpret_cast<volatile tessera::u8*>(opaque(a)) = v; }
tessera::u8 read8(u64 a) { return *reinterpret_cast<volatile tessera::u8*>(opaque(a)); }

/// Nothing became pending on itself (GICR_ISPENDR0, its SGIs and PPIs).
bool nothing_pending() { return read32(vplat::GICR + 0x1'0000 + 0x200) == 0; }

long s(u64 x) { return static_cast<long>(x); }

struct Scenario {
    const char* name = nullptr;
    bool (*run)() = nullptr;
    bool repeat = true; ///< run again in every round (false: once, aloud)
};

constexpr u64 GICD = vplat::GICD, GICR = vplat::GICR, SGI = GICR + 0x1'0000;

const Scenario SCENARIOS[] = {
    // Memory: outside its RAM, a bus error (external abort) in the attacker.
    {"read past its RAM", [] { return takes(EC_DABT, [] { (void)read64(RAM + RAM_SIZE); }); }},
    {"write past its RAM", [] { return takes(EC_DABT, [] { write64(RAM + RAM_SIZE, 0x5a); }); }},
    {"read just below its RAM", [] { return takes(EC_DABT, [] { (void)read64(RAM - 8); }); }},
    {"write at IPA 0", [] { return takes(EC_DABT, [] { write64(0, 0x5a); }); }},
    {"read where the host's RAM would be", [] { return takes(EC_DABT, [] { (void)read64(0x4800'0000); }); }},
    {"write the board's RTC it does not own", [] { return takes(EC_DABT, [] { write32(0x0901'0000, 1); }); }},
    {"read the ITS frame nobody has", [] { return takes(EC_DABT, [] { (void)read32(0x0808'0000); }); }},
    {"write a channel window it has no channel in",
     [] { return takes(EC_DABT, [] { write64(vplat::CHANNEL_BASE, 1); }); }},
    {"zero a cache line past its RAM (DC ZVA)",
     [] { return takes(EC_DABT, [] { asm volatile("dc zva, %0" ::"r"(RAM + RAM_SIZE)
                                                  : "memory"); }); }},
    {"execute past its RAM",
     [] { return takes(EC_IABT, [] { asm volatile("blr %0" ::"r"(RAM + RAM_SIZE)
                                                  : "x30", "memory"); }); }},
    {"a load pair past its RAM (no syndrome for the hypervisor to decode)",
     [] {
         return takes(EC_DABT, [] { asm volatile("ldp x0, x1, [%0]" ::"r"(RAM + RAM_SIZE) : "x0", "x1", "memory"); });
     }},
    {"AT S1E1R whose stage-1 walk leaves its RAM: the fault in PAR_EL1, as AT reports one",
     [] {
         // TTBR1 (the upper half: 32-bit VA, 4 KiB granule) with its root
         // table at an IPA the VM does not have; then the kit's TCR again.
         u64 tcr = 0, par = 0;
         asm volatile("mrs %0, tcr_el1" : "=r"(tcr));
         constexpr u64 EPD1 = 1ull << 23, T1SZ = 0x3full << 16, TG1 = 3ull << 30;
         const u64 upper = (tcr & ~(EPD1 | T1SZ | TG1)) | 32ull << 16 | 2ull << 30;
         const bool quiet = takes(~0ull, [&] {
             asm volatile("msr ttbr1_el1, %1; msr tcr_el1, %2; isb; at s1e1r, %3; isb; mrs %0, par_el1\n\t"
                          "msr tcr_el1, %4; msr ttbr1_el1, xzr; isb; tlbi vmalle1; dsb nsh; isb"
                          : "=&r"(par)
                          : "r"(opaque(0x7000'0000)), "r"(upper), "r"(0xffff'ffff'0000'0000ull), "r"(tcr)
                          : "memory");
         });
         return quiet && (par & 1) != 0 && (par >> 8 & 3) == 3; // F; S and PTW: stage 2, on the walk
     }},
    {"read a redistributor frame of a vCPU it does not have",
     [] { return takes(EC_DABT, [] { (void)read32(GICR + vplat::GICR_STRIDE); }); }},
    // The virtual GIC: what a GICv3 gives such an access.
    {"write the read-only GICD_TYPER",
     [] {
         const u32 before = read32(GICD + 0x4);
         return takes(~0ull, [] { write32(GICD + 0x4, 0); }) && read32(GICD + 0x4) == before;
     }},
    {"byte access to an SPI's GICD_IPRIORITYR",
     [] { return takes(~0ull, [] { write8(GICD + 0x400 + 40, 0x30); }) && read8(GICD + 0x400 + 40) == 0x30; }},
    {"32-bit halves of GICD_IROUTER (Aff3 in the upper one)",
     [] {
         const u64 irouter = GICD + 0x6100 + 8 * 8ull; // SPI 40
         const u32 low = read32(irouter);
         return takes(~0ull, [=] { write32(irouter + 4, 0xff); }) && read32(irouter + 4) == 0xff &&
                read32(irouter) == low;
     }},
    {"the distributor's private-bank IPRIORITYR is RAZ/WI",
     [] { return takes(~0ull, [] { write32(GICD + 0x400, 0xffff'ffff); }) && read32(GICD + 0x400) == 0; }},
    {"an 8-byte write to the redistributor's last IPRIORITYR doubleword",
     [] {
         const u32 spi = read32(GICD + 0x420);
         return takes(~0ull, [] { write64(SGI + 0x418, ~0ull); }) && read32(SGI + 0x41c) != 0 &&
                read32(GICD + 0x420) == spi; // (its PPIs' priorities; SPI 32's stays)
     }},
    {"GICD_CTLR with every bit set",
     [] {
         return takes(~0ull, [] { write32(GICD, 0xffff'ffff); }) && (read32(GICD) & ~0x52u) == 0; // ARE, DS, G1 at most
     }},
    {"an SGI to a cluster that does not exist (Aff3 255)",
     [] {
         return takes(~0ull, [] { asm volatile("msr icc_sgi1r_el1, %0" ::"r"(0xffull << 48 | 4ull << 24 | 1)); }) &&
                nothing_pending();
     }},
    {"an SGI to all but itself, alone in its VM",
     [] {
         return takes(~0ull, [] { asm volatile("msr icc_sgi1r_el1, %0" ::"r"(1ull << 40 | 3ull << 24)); }) &&
                nothing_pending();
     }},
    {"an SGI to vCPU 15 of its cluster, which it does not have",
     [] {
         return takes(~0ull, [] { asm volatile("msr icc_sgi1r_el1, %0" ::"r"(2ull << 24 | 0x8000ull)); }) &&
                nothing_pending();
     }},
    {"end interrupts it never took",
     [] {
         return takes(~0ull, [] {
             asm volatile("msr icc_eoir1_el1, %0; msr icc_eoir1_el1, %1; isb" ::"r"(1023ull), "r"(27ull));
         });
     }},
    {"a Group-0 SGI (ICC_SGI0R_EL1)",
     [] { return takes(~0ull, [] { asm volatile("msr icc_sgi0r_el1, %0" ::"r"(1ull)); }) && nothing_pending(); }},
    // System registers of EL2 and of the hardware: undefined at EL1, as on any core.
    {"read ICH_VTR_EL2", [] { return takes(EC_UNKNOWN, [] {
                                  asm volatile("mrs x0, S3_4_C12_C11_1" ::: "x0");
                              }); }},
    {"write HCR_EL2", [] { return takes(EC_UNKNOWN, [] { asm volatile("msr S3_4_C1_C1_0, xzr"); }); }},
    {"write VTTBR_EL2", [] { return takes(EC_UNKNOWN, [] { asm volatile("msr S3_4_C2_C1_0, xzr"); }); }},
    {"write CNTVOFF_EL2", [] { return takes(EC_UNKNOWN, [] { asm volatile("msr S3_4_C14_C0_3, xzr"); }); }},
    {"write ICH_LR0_EL2", [] { return takes(EC_UNKNOWN, [] { asm volatile("msr S3_4_C12_C12_0, xzr"); }); }},
    // (Implementation-defined registers trap too, HCR_EL2.TIDCP; QEMU 7.2 does
    // not model the trap, so no scenario here can show it.)
    {"write an ID register", [] { return takes(EC_UNKNOWN, [] { asm volatile("msr S3_0_C0_C4_0, xzr"); }); }},
    // Hypercalls and PSCI: the specifications' error codes.
    {"an unknown hypercall", [] { return s(kit::hvc(0x86ff'fffe).x0) == abi::SMCCC_NOT_SUPPORTED; }},
    {"an unknown SMC", [] { return s(kit::smc(0xc200'1234).x0) == abi::SMCCC_NOT_SUPPORTED; }},
    {"a 32-bit SMCCC call with junk above bit 31 (ignored: W0 is the ID)",
     [] { return kit::hvc(0xffff'ffff'0000'0000ull | abi::PSCI_VERSION).x0 == kit::hvc(abi::PSCI_VERSION).x0; }},
    {"CPU_ON with MPIDR bits above Aff1",
     [] { return s(kit::hvc(abi::PSCI_CPU_ON, 0x8000'0000, RAM, 0).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"CPU_ON of a vCPU it does not have",
     [] { return s(kit::hvc(abi::PSCI_CPU_ON, 5, RAM, 0).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"CPU_ON of itself", [] { return s(kit::hvc(abi::PSCI_CPU_ON, 0, RAM, 0).x0) == abi::PSCI_ALREADY_ON; }},
    {"AFFINITY_INFO of a vCPU it does not have",
     [] { return s(kit::hvc(abi::PSCI_AFFINITY_INFO, 0x0100, 0).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"AFFINITY_INFO above level 0",
     [] { return s(kit::hvc(abi::PSCI_AFFINITY_INFO, 0, 3).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"a PSCI function nobody has", [] { return s(kit::hvc(0x8400'001f).x0) == abi::PSCI_NOT_SUPPORTED; }},
    {"MIGRATE_INFO_TYPE: no trusted OS to move",
     [] { return s(kit::hvc(abi::PSCI_MIGRATE_INFO_TYPE).x0) == abi::PSCI_TOS_NOT_PRESENT; }},
    {"PSCI_FEATURES of a function nobody has",
     [] { return s(kit::hvc(abi::PSCI_FEATURES, 0x8400'00ff).x0) == abi::PSCI_NOT_SUPPORTED; }},
    {"a console write longer than the call carries",
     [] { return s(kit::hvc(abi::TESSERA_CONSOLE_WRITE, 4096).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"ring a channel it does not have",
     [] { return s(kit::hvc(abi::TESSERA_CHANNEL_RING, 7).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"ring a channel numbered past 16 bits",
     [] { return s(kit::hvc(abi::TESSERA_CHANNEL_RING, 1ull << 40).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"ask for a channel it does not have",
     [] { return s(kit::hvc(abi::TESSERA_CHANNEL_INFO, 3).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"ask an unsigned boot for its measurements",
     [] { return s(kit::hvc(abi::TESSERA_MEASUREMENT, 0).x0) == abi::SMCCC_NOT_SUPPORTED; }},
    {"ask for 0 random bits", [] { return s(kit::hvc(abi::TRNG_RND64, 0).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"ask for more random bits than TRNG gives",
     [] { return s(kit::hvc(abi::TRNG_RND64, abi::TRNG_MAX_BITS + 1).x0) == abi::PSCI_INVALID_PARAMETERS; }},
    {"call the EL2 test hooks of a production hypervisor",
     [] { return s(kit::hvc(abi::TESSERA_TEST_EL2_WRITE_CODE).x0) == abi::SMCCC_NOT_SUPPORTED; }},
    // Interrupts and timers: its own only.
    {"its timer firing with interrupts masked, then stopped",
     [] {
         u64 ctl = 0;
         asm volatile("msr cntv_cval_el0, xzr; msr cntv_ctl_el0, %0; isb" ::"r"(1ull));
         for (const u64 t = kit::counter(); kit::counter() - t < kit::counter_frequency() / 1000;) {}
         asm volatile("mrs %0, cntv_ctl_el0; msr cntv_ctl_el0, xzr; isb" : "=r"(ctl));
         return (ctl & 4) != 0; // ISTATUS: it fired, in its own view
     }},
    {"its EL1 physical timer likewise",
     [] {
         u64 ctl = 0;
         asm volatile("msr cntp_cval_el0, xzr; msr cntp_ctl_el0, %0; isb" ::"r"(1ull));
         for (const u64 t = kit::counter(); kit::counter() - t < kit::counter_frequency() / 1000;) {}
         asm volatile("mrs %0, cntp_ctl_el0; msr cntp_ctl_el0, xzr; isb" : "=r"(ctl));
         return (ctl & 4) != 0;
     }},
    {"a priority mask of 0 and a storm of 200 self-SGIs",
     [] {
         for (u32 i = 0; i < 16; ++i) kit::gic::enable(i, 0);
         asm volatile("msr icc_pmr_el1, xzr");
         for (int i = 0; i < 200; ++i) kit::gic::send_sgi(static_cast<u32>(i & 15), 0);
         asm volatile("msr icc_pmr_el1, %0; isb" ::"r"(0xffull));
         // Taken with interrupts masked (PSTATE.I): each of the 16 once (an
         // edge pending again while pending is one), then none.
         unsigned taken = 0;
         for (u32 id = kit::gic::ack(); id < 1020; id = kit::gic::ack()) {
             kit::gic::end(id);
             ++taken;
         }
         return taken == 16 && nothing_pending();
     }},
    {"a level interrupt left asserted: taken again after each EOI, as a GIC's level input is",
     [] {
         // Its UART's transmit interrupt, unmasked and never cleared: the
         // line stays high. Each end must find it pending again at once
         // (the EOI maintenance interrupt), not only at some later exit.
         constexpr u32 UART_TX = 1u << 5;
         constexpr u64 IMSC = vplat::UART + 0x38;
         kit::gic::enable(vplat::UART_INTID, 0);
         write32(IMSC, UART_TX);
         unsigned taken = 0;
         for (int round = 0; round < 3; ++round) {
             u32 id = 1023;
             for (int poll = 0; poll < 100 && id == 1023; ++poll) id = kit::gic::ack();
             if (id != vplat::UART_INTID) break;
             kit::gic::end(id);
             ++taken;
         }
         write32(IMSC, 0);                                     // the line drops: nothing stays pending
         constexpr u64 WORD = 4ull * (vplat::UART_INTID / 32); // its bit's word in ICENABLER, ISPENDR
         write32(GICD + 0x180 + WORD, 1u << (vplat::UART_INTID % 32));
         const bool cleared = (read32(GICD + 0x200 + WORD) >> (vplat::UART_INTID % 32) & 1) == 0;
         return taken == 3 && cleared && kit::gic::ack() == 1023;
     }},
    // A 32-bit process under it: stepped past its 16-bit instructions
    // and through its IT blocks, and lent the debug registers as a 64-bit
    // one is — never a reason to stop the VM.
    {"a 32-bit process's trapped 16-bit WFI: the next instruction runs", [] { return run_t32(t32_wfi) == 1; }},
    {"a 16-bit device read inside a 32-bit IT block: the rest keep their own conditions",
     [] {
         uart_for_user_mode(true);
         const bool ok = run_t32(t32_mmio_in_it) == 1;
         uart_for_user_mode(false);
         return ok;
     }},
    {"a 32-bit process reads the debug ID register DBGDIDR (CP14)", [] { return run_t32(t32_debug_read) == 1; }},
    {"a 32-bit process reads the debug ROM table's address DBGDRAR: 0", [] { return run_t32(t32_rom_table) == 1; }},
    // The console: controls it prints through its UART reach the terminal
    // only within its own row (the test looks for the row's text).
    {"forge the hypervisor's line on the console",
     [] {
         static constexpr char FORGERY[] = "\x1b[2Aup\b\b\b\b\b\b\b\b[tessera] forged\x07\n";
         for (const char c : FORGERY) {
             if (c != '\0') write8(vplat::UART, static_cast<tessera::u8>(c));
         }
         return true;
     },
     false},
    {"invalidate every TLB entry and the instruction cache",
     [] { return takes(~0ull, [] {
              asm volatile("tlbi vmalle1is; ic ialluis; dsb ish; isb" ::: "memory");
          }); }},
    {"WFE 1000 times",
     [] {
         for (int i = 0; i < 1000; ++i) asm volatile("sevl; wfe");
         return true;
     }},
};

} // namespace

int main() {
    kit::set_exception_handler(on_exception);
    kit::gic::init_distributor();
    kit::gic::init_cpu(0);
    const unsigned total = sizeof SCENARIOS / sizeof SCENARIOS[0];
    unsigned contained = 0;
    for (unsigned i = 0; i < total; ++i) {
        const bool ok = SCENARIOS[i].run();
        kit::print("attack %u, %s: %s\n", i + 1, SCENARIOS[i].name, ok ? "contained" : "NOT CONTAINED");
        contained += ok ? 1 : 0;
    }
    // Then again and again, quietly, for as long as the victim runs (its 60
    // releases end 650 ms after boot): every attack also lands between its
    // releases, while its state is off the core.
    unsigned rounds = 1, again = 0;
    while (kit::counter() < kit::counter_frequency() * 7 / 10) {
        for (unsigned i = 0; i < total; ++i) again += !SCENARIOS[i].repeat || SCENARIOS[i].run() ? 0 : 1;
        ++rounds;
    }
    kit::print("%u of %u contained; %u rounds in all, %u failed after the first\n", contained, total, rounds, again);
    kit::check(contained == total && again == 0, "every attack got what the hardware gives, every time");
    kit::pass();
}

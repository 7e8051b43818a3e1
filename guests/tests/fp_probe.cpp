// fp_probe.cpp — a vCPU's FP/SIMD registers are its own: a fresh vCPU finds them zero (nothing another guest left
// there), and what it writes — q0–q31, FPSR, FPCR — is still there after other VMs' vCPUs ran on its core.
#include "kit.hpp"

extern "C" void fp_regs_load(const tessera::u8* area);
extern "C" void fp_regs_store(tessera::u8* area);

namespace {

using kit::u64;
using tessera::u8;

constexpr unsigned Q_BYTES = 32 * 16;
constexpr unsigned BYTES = Q_BYTES + 16; // then FPSR and FPCR, 64 bits each
alignas(16) u8 g_put[BYTES];
alignas(16) u8 g_got[BYTES];

u64 word_at(const u8* area, unsigned offset) {
    u64 v = 0;
    for (unsigned i = 0; i < 8; ++i) v |= u64{area[offset + i]} << (8 * i);
    return v;
}

void put_word(u8* area, unsigned offset, u64 v) {
    for (unsigned i = 0; i < 8; ++i) area[offset + i] = static_cast<u8>(v >> (8 * i));
}

/// Fills every FP/SIMD register, FPSR and FPCR with a pattern of this VM
/// (`seed`), lets time pass (other VMs' vCPUs run on this core meanwhile)
/// and checks that each is still there. Returns how often this vCPU was away.
unsigned hold_registers(u64 seed, unsigned rounds) {
    const u64 away = kit::counter_frequency() / 2000; // a gap of 0.5 ms: another vCPU ran
    unsigned switched = 0;
    for (unsigned r = 0; r < rounds; ++r) {
        for (unsigned k = 0; k < Q_BYTES; ++k) g_put[k] = static_cast<u8>(seed * 131 + u64{k} * 7 + r);
        // FPSR: its cumulative flags (IOC..IXC, IDC, QC); FPCR: AHP, DN, FZ and the rounding mode.
        put_word(g_put, Q_BYTES, (seed + r) % 32 | ((seed + r) % 2) << 7 | ((seed + r + 1) % 2) << 27);
        put_word(g_put, Q_BYTES + 8, ((seed * 3 + r) % 32) << 22);
        fp_regs_load(g_put);
        const u64 end = kit::counter() + kit::counter_frequency() / 200; // 5 ms
        for (u64 last = kit::counter(), now = last; now < end; last = now) {
            now = kit::counter();
            if (now - last > away) ++switched;
        }
        fp_regs_store(g_got);
        for (unsigned k = 0; k < BYTES; ++k) {
            if (g_got[k] != g_put[k]) {
                kit::print("round %u: byte %u of the FP/SIMD registers (q0-q31, FPSR, FPCR) changed\n", r, k);
                kit::check(false, "FP/SIMD registers kept while the vCPU was away");
            }
        }
    }
    return switched;
}

} // namespace

int main() {
    // CPACR_EL1.FPEN = 0b11: FP/SIMD at EL1 and EL0 (the guest's own trap,
    // which the hardware checks before the hypervisor's).
    u64 cpacr = 0;
    asm volatile("mrs %0, cpacr_el1" : "=r"(cpacr));
    asm volatile("msr cpacr_el1, %0; isb" ::"r"(cpacr | 3ull << 20));
    // The guest's own code never touches these registers (-mgeneral-regs-only):
    // whatever is in them now came from the hypervisor.
    fp_regs_store(g_got);
    unsigned nonzero = 0;
    for (unsigned k = 0; k < BYTES; ++k) nonzero += g_got[k] != 0 ? 1 : 0;
    kit::print("fresh vCPU: %u non-zero bytes in q0-q31, FPSR and FPCR\n", nonzero);
    kit::check(nonzero == 0 && word_at(g_got, Q_BYTES + 8) == 0, "a fresh vCPU's FP/SIMD registers are zero");
    const unsigned away = hold_registers(kit::vm_info().vm_id + 1, 40);
    kit::print("FP/SIMD registers kept across %s\n", away > 0 ? "other vCPUs' time slices" : "no switch at all");
    kit::check(away > 0, "other vCPUs ran on this core");
    kit::pass();
}

// sve_probe.cpp — SVE as the VM's system file says: its vector length and its registers kept while other VMs run on
// the same core, or no SVE at all (its ID register says so and an SVE instruction is undefined).
#include "kit.hpp"

extern "C" void sve_regs_load(const tessera::u8* area);
extern "C" void sve_regs_store(tessera::u8* area);

namespace {

using kit::u64;
using tessera::u8;

constexpr unsigned MAX_BYTES = 32 * 256 + 16 * 32; // Z and P registers at 2048 bits
alignas(16) u8 g_put[MAX_BYTES];
alignas(16) u8 g_got[MAX_BYTES];
u64 vector_bytes() {
    u64 vl = 0;
    asm volatile(".arch_extension sve\n\trdvl %0, #1" : "=r"(vl)::"memory");
    return vl;
}

/// Fills every Z and P register with a pattern of this VM (`seed`), lets
/// time pass (other VMs' vCPUs run on this core meanwhile) and checks that
/// every byte is still there. Returns how often this vCPU was away.
unsigned hold_registers(u64 seed, u64 bytes, unsigned rounds) {
    const u64 away = kit::counter_frequency() / 2000; // a gap of 0.5 ms: another vCPU ran
    unsigned switched = 0;
    for (unsigned r = 0; r < rounds; ++r) {
        for (u64 k = 0; k < bytes; ++k) g_put[k] = static_cast<u8>(seed * 131 + k * 7 + r);
        sve_regs_load(g_put);
        const u64 end = kit::counter() + kit::counter_frequency() / 200; // 5 ms
        for (u64 last = kit::counter(), now = last; now < end; last = now) {
            now = kit::counter();
            if (now - last > away) ++switched;
        }
        sve_regs_store(g_got);
        for (u64 k = 0; k < bytes; ++k) {
            if (g_got[k] != g_put[k]) {
                kit::print("round %u: byte %llu of the SVE registers changed\n", r, static_cast<unsigned long long>(k));
                kit::check(false, "SVE registers kept while the vCPU was away");
            }
        }
    }
    return switched;
}

} // namespace

int main() {
    kit::count_undefined_instructions();
    // CPACR_EL1.ZEN and FPEN = 0b11: SVE and FP at EL1 and EL0 (the guest's
    // own traps, which the hardware checks before the hypervisor's).
    u64 cpacr = 0;
    asm volatile("mrs %0, cpacr_el1" : "=r"(cpacr));
    asm volatile("msr cpacr_el1, %0; isb" ::"r"(cpacr | 3ull << 16 | 3ull << 20));
    u64 pfr0 = 0;
    asm volatile("mrs %0, id_aa64pfr0_el1" : "=r"(pfr0));
    if (((pfr0 >> 32) & 0xf) == 0) {
        (void)vector_bytes();
        kit::print("SVE hidden: ID_AA64PFR0.SVE 0, RDVL undefined %u time(s)\n", kit::undefined_instructions());
        kit::check(kit::undefined_instructions() == 1, "an SVE instruction is undefined where SVE is hidden");
        kit::pass();
    }
    asm volatile("msr S3_0_C1_C2_0, %0; isb" ::"r"(u64{15})); // ZCR_EL1.LEN: the longest vector allowed
    const u64 vl = vector_bytes();
    kit::print("SVE: %llu-bit vectors\n", static_cast<unsigned long long>(vl) * 8);
    const unsigned away = hold_registers(kit::counter(), vl * 32 + vl / 8 * 16, 40);
    kit::print("SVE registers kept across %s\n", away > 0 ? "other vCPUs' time slices" : "no switch at all");
    kit::check(away > 0 && kit::undefined_instructions() == 0,
               "other vCPUs ran on this core, and SVE never trapped to the guest");
    kit::pass();
}

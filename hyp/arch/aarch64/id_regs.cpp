// id_regs.cpp (aarch64) — the board's ID registers, read once at boot, for the views guests get (cpu_features.cpp).
#include "id_regs.hpp"

#include "arch.hpp"
#include "sysreg.hpp"

namespace tessera::arch {

constinit u64 g_id_regs[idreg::COUNT] = {};
constinit bool g_pauth = false;
constinit bool g_rndr = false;
constinit u64 g_cptr_guest = 0x33ff;

// Boot-only code (link.ld): every encoding of the space HCR_EL2.TID3 traps, by
// number, since MRS takes its register as an immediate. Reserved encodings
// of this space read as zero on every Armv8 core.
void read_board_id_registers() {
#define TESSERA_READ_ID(crm, op2)                                                                                      \
    asm volatile("mrs %0, S3_0_C0_C" #crm "_" #op2 : "=r"(g_id_regs[(crm)*8 + (op2)-idreg::FIRST]));
#define TESSERA_READ_ID_ROW(crm)                                                                                       \
    TESSERA_READ_ID(crm, 0)                                                                                            \
    TESSERA_READ_ID(crm, 1)                                                                                            \
    TESSERA_READ_ID(crm, 2)                                                                                            \
    TESSERA_READ_ID(crm, 3)                                                                                            \
    TESSERA_READ_ID(crm, 4)                                                                                            \
    TESSERA_READ_ID(crm, 5)                                                                                            \
    TESSERA_READ_ID(crm, 6)                                                                                            \
    TESSERA_READ_ID(crm, 7)
    TESSERA_READ_ID_ROW(1)
    TESSERA_READ_ID_ROW(2)
    TESSERA_READ_ID_ROW(3)
    TESSERA_READ_ID_ROW(4)
    TESSERA_READ_ID_ROW(5)
    TESSERA_READ_ID_ROW(6)
    TESSERA_READ_ID_ROW(7)
    g_pauth = has_pauth(g_id_regs);
    g_rndr = id_field(g_id_regs[idreg::AA64ISAR0 - idreg::FIRST], 60) != 0;
    // (Bits of features the core lacks are RES0: set only where they exist.)
    constexpr u64 CPTR_TTA = 1ull << 20, CPTR_TAM = 1ull << 30;
    if (id_field(g_id_regs[idreg::AA64DFR0 - idreg::FIRST], 4) != 0) g_cptr_guest |= CPTR_TTA;  // TraceVer
    if (id_field(g_id_regs[idreg::AA64PFR0 - idreg::FIRST], 44) != 0) g_cptr_guest |= CPTR_TAM; // AMU
#undef TESSERA_READ_ID_ROW
#undef TESSERA_READ_ID
}

bool board_has_mte() { return has_mte(g_id_regs); }

unsigned sve_vector_granules(unsigned vq) {
    if (!has_sve(g_id_regs) || vq == 0) return 0;
    // Ask for `vq` granules at EL2 and read back what the core gives (RDVL).
    const u64 CPTR_SVE = g_cptr_guest & ~(1ull << 8);
    const u64 cptr = cptr_el2::read();
    cptr_el2::write(CPTR_SVE);
    isb();
    zcr_el2::write(vq - 1);
    isb();
    u64 bytes;
    asm volatile(".inst 0x04bf5020\n\tmov %0, x0" : "=r"(bytes) : : "x0"); // rdvl x0, #1
    cptr_el2::write(cptr);
    isb();
    return static_cast<unsigned>(bytes / 16);
}

} // namespace tessera::arch

// cpu_features.hpp — the processor a guest is shown: each feature in its ID registers is virtualized or hidden.
//
// HCR_EL2.TID3 traps every read of the ID register space (op0 3, op1 0,
// CRn 0, CRm 1–7), and the guest gets the board's value passed through a
// table that names, field by field, what Tessera lets it use: a feature whose
// state the hypervisor switches with the vCPU (FP/SIMD, pointer
// authentication, SVE when the VM has it, the PMU, the debug registers) or
// that carries no state at all (AES, atomics, …). Every other field reads as
// "not implemented" — features the guest would otherwise be promised and then
// punished for using (SME, MTE, RAS, nested virtualization, …), and any field
// a newer core adds that this table does not know yet. docs/cpu-features.md
// is the same table for people.
#pragma once

#include "types.hpp"

namespace tessera {

/// Breakpoints and watchpoints a vCPU gets (each switched with it once it
/// uses the debug registers): the board's, all of them (the architecture's
/// most: one the guest could reach but not switched would leak).
inline constexpr unsigned DEBUG_MAX_POINTS = 16;

/// What a VM may use beyond the features every guest gets.
struct CpuPolicy {
    bool sve = false; ///< SVE shown (ID_AA64PFR0.SVE, ID_AA64ZFR0), its state switched with each vCPU
    bool mte = false; ///< MTE shown (ID_AA64PFR1.MTE), its registers switched, tag access allowed (HCR_EL2.ATA)
    bool pmu = true;  ///< the PMU shown (ID_AA64DFR0.PMUVer): the build lends it (arch::pmu_lent)
};

/// ID register numbers: CRm * 8 + op2 of S3_0_C0_C<CRm>_<op2>.
namespace idreg {
inline constexpr unsigned AA64PFR0 = 4 * 8 + 0, AA64PFR1 = 4 * 8 + 1, AA64ZFR0 = 4 * 8 + 4, AA64SMFR0 = 4 * 8 + 5;
inline constexpr unsigned AA64DFR0 = 5 * 8 + 0, AA64DFR1 = 5 * 8 + 1;
inline constexpr unsigned AA64ISAR0 = 6 * 8 + 0, AA64ISAR1 = 6 * 8 + 1, AA64ISAR2 = 6 * 8 + 2;
inline constexpr unsigned AA64MMFR0 = 7 * 8 + 0, AA64MMFR1 = 7 * 8 + 1, AA64MMFR2 = 7 * 8 + 2;
inline constexpr unsigned FIRST = 1 * 8, COUNT = 7 * 8; ///< CRm 1–7: the space TID3 traps
} // namespace idreg

/// True if (op0, op1, CRn, CRm) is the ID register space HCR_EL2.TID3 traps.
constexpr bool is_id_register(u8 op0, u8 op1, u8 crn, u8 crm) {
    return op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7;
}

/// The value a guest under `policy` reads from ID register `reg` (CRm * 8 +
/// op2) whose value on the board is `hw`; `ipa_bits` is the size of the
/// guest-physical space its stage 2 covers (PARange: the smallest that holds
/// it, never wider than the board's).
u64 id_register_view(unsigned reg, u64 hw, const CpuPolicy& policy, unsigned ipa_bits);

/// Bytes to hold one vCPU's SVE registers at `vq` 128-bit granules per
/// vector: Z0–Z31 (16 vq bytes each), then P0–P15 and FFR (2 vq bytes each).
constexpr u64 sve_state_bytes(unsigned vq) { return u64{vq} * 16 * 32 + u64{vq} * 2 * 17; }

/// The 4-bit field at `shift` of an ID register value.
constexpr unsigned id_field(u64 value, unsigned shift) { return static_cast<unsigned>((value >> shift) & 0xf); }

/// Whether the board's ID registers (`hw`, indexed by CRm * 8 + op2) show
/// pointer authentication (any of the address or generic algorithms).
bool has_pauth(const u64* hw);

/// Whether the board's ID registers show SVE.
bool has_sve(const u64* hw);

/// Whether the board has MTE with tag memory (ID_AA64PFR1.MTE >= 2: MTE2),
/// what a guest's tagged memory needs.
bool has_mte(const u64* hw);

} // namespace tessera

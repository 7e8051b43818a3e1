// id_regs.hpp (aarch64) — the board's ID registers as the boot core read them, for the views guests get.
#pragma once

#include "cpu_features.hpp"

namespace tessera::arch {

/// S3_0_C0_C<CRm>_<op2> (CRm 1–7) at index CRm * 8 + op2 - idreg::FIRST.
/// Written once by read_board_id_registers(), read-only after.
extern constinit u64 g_id_regs[idreg::COUNT];

/// The board has pointer authentication: each vCPU's keys are switched.
extern constinit bool g_pauth;

/// The core has a random number instruction (RNDR).
extern constinit bool g_rndr;

/// CPTR_EL2 while guests run: its RES1 bits, SVE and SME trapped (TZ, TSM),
/// and the activity monitors and trace registers (TAM, TTA) where the core
/// has them — hidden features must not be reachable. FP/SIMD untrapped.
extern constinit u64 g_cptr_guest;

/// Reads every ID register of the space HCR_EL2.TID3 traps (boot core, once).
void read_board_id_registers();

} // namespace tessera::arch

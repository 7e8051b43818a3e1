// sve_regs.S — loading and storing all of SVE's Z and P registers at once, for the SVE probe guest, in the
// hypervisor's own layout (hyp/arch/aarch64/sve_zp.inc).
#include "sve_zp.inc"

// void sve_regs_load(const u8* x0)
.global sve_regs_load
sve_regs_load:
    sve_load_zp x0, x1
    ret

// void sve_regs_store(u8* x0)
.global sve_regs_store
sve_regs_store:
    sve_store_zp x0, x1
    ret

// vcpu_context.hpp (host fake) — a vCPU's registers as the core reads and writes them in the unit tests.
#pragma once

#include "types.hpp"

namespace tessera::arch {

/// What an exit leaves for the core: the general registers and where the guest resumes.
struct GuestRegs {
    u64 x[31];
    u64 sp_el0;
    u64 elr;
    u64 spsr;
};

struct VcpuContext {
    GuestRegs regs;
};

} // namespace tessera::arch

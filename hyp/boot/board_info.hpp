// board_info.hpp — what the device tree tells the hypervisor about the machine.
#pragma once

#include "addr.hpp"
#include "layout.hpp"

namespace tessera {

struct BoardInfo {
    static constexpr unsigned MAX_MEMORY = 4;
    PhysRange memory[MAX_MEMORY]{};
    unsigned memory_count = 0;
    PhysRange reserved[MAX_MEMORY]{}; ///< /memreserve/ entries
    unsigned reserved_count = 0;
    PhysRange uart{};
    u32 uart_intid = 0; ///< its interrupt (GIC INTID), 0 if the tree gives none
    PhysRange gicd{};
    PhysRange gicr{};
    u64 cpu_mpidr[TESSERA_MAX_CORES]{};
    unsigned cpu_count = 0;
    unsigned cpus_ignored = 0; ///< cores beyond TESSERA_MAX_CORES
    bool psci_smc = false;
    PhysRange nv_flash{}; ///< the last bank of the first `cfi-flash` at the root (size 0: none)
    static constexpr unsigned MAX_SEED = 64;
    u8 rng_seed[MAX_SEED]{}; ///< the firmware's /chosen/rng-seed (its first MAX_SEED bytes)
    unsigned rng_seed_len = 0;
};

/// Reads memory, console UART (the PL011 /chosen/stdout-path names, else the first), GICv3, CPUs, PSCI, the flash
/// bank that keeps the security-version counter (QEMU virt: the second pflash; firmware boots from the first) and the
/// firmware's random seed from the flattened device tree at `fdt`, in one walk of its nodes. `out` starts empty.
/// Returns nullptr on success, else what is missing or wrong.
const char* board_from_fdt(const void* fdt, BoardInfo& out);

} // namespace tessera

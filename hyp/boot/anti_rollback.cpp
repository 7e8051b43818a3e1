// anti_rollback.cpp — boot-only: the security-version counter in the board's flash, enforced for signed images.
#include "anti_rollback.hpp"

#include "cfi_flash.hpp"
#include "console.hpp"
#include "format.hpp"
#include "version_counter.hpp"

namespace tessera {

namespace {
char g_why[128]; // the refusal's text (boot is single-threaded)
}

const char* anti_rollback(const BootVerdict& v, PhysRange bank) {
    if (!v.anchored) return nullptr;
    if (bank.size < NV_FLASH_MAPPED) return "the board has no flash for the security-version counter";
    cfi_flash::Bank cfi;
    const NvFlash flash = cfi_flash::open(cfi, bank.base.raw(), bank.size, NV_FLASH_MAPPED);
    if (flash.sector_size == 0) return "no CFI flash answers where the security-version counter is kept";
    RollbackVerdict r;
    if (!rollback_check(flash, v.security_version, r)) {
        format_to(g_why, sizeof g_why,
                  "security version %u is lower than this board's counter (%u): a rolled-back image",
                  v.security_version, r.counter_before);
        return g_why;
    }
    if (r.raise_status != Status::ok) {
        format_to(g_why, sizeof g_why, "the security-version counter could not be raised to %u (%s)",
                  v.security_version, status_name(r.raise_status));
        return g_why;
    }
    if (r.raised)
        log("system: anti-rollback: the board's security-version counter raised from %u to %u", r.counter_before,
            v.security_version);
    else
        log("system: anti-rollback: security version %u, as the board's counter", v.security_version);
    return nullptr;
}

} // namespace tessera

// record_check.cpp — each field of a packed VM record within what the SDK allows and the hypervisor can run.
#include "record_check.hpp"

#include "sched_queue.hpp"
#include "string.hpp"
#include "vplatform.hpp"

namespace tessera {

namespace {

constexpr u64 IPA_LIMIT = 1ull << 39; // the stage-2 input range (pgtable.hpp)

bool name_ok(const char* name, usize cap) {
    usize n = 0;
    for (; n < cap && name[n] != 0; ++n) {
        const char c = name[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return n > 0 && n < cap;
}

} // namespace

const char* check_vm_record(const sysimg::VmRecord& r) {
    if (!name_ok(r.name, sizeof r.name)) return "a VM name that is not 1-31 of a-z, 0-9 and '-'";
    if (strcmp(r.name, "tessera") == 0) return "a VM named as the hypervisor's console tag";
    if (r.ram_ipa < vplat::RAM_BASE || r.ram_ipa % (2 * MiB) != 0 || r.ram_size % PAGE_SIZE != 0 ||
        r.ram_size > IPA_LIMIT - r.ram_ipa || r.ram_ipa >= IPA_LIMIT) {
        return "VM RAM below the virtual devices, not 2 MiB aligned, or past the 39-bit IPA space";
    }
    if (r.vcpu_count > vplat::MAX_VCPUS_PER_VM)
        return "more than 123 vCPUs in a VM (their redistributors would cover the UART)";
    if (r.dtb.size == 0 && r.initrd.size != 0) return "an initramfs without a device tree";
    if (r.priority >= PRIORITY_LEVELS) return "a priority over 15";
    if (r.sve_vq > 16) return "an SVE vector length over 2048 bits";
    if (r.flash_size != 0) {
        if (r.flash_ipa % 4096 != 0 || r.flash_size % 4096 != 0) return "a flash region not in whole pages";
        if (r.flash_ipa >= vplat::FLASH_WINDOW_END || r.flash_size > vplat::FLASH_WINDOW_END - r.flash_ipa)
            return "a flash region outside the flash window (below 0x8000000)";
        if (r.flash.size > r.flash_size) return "flash contents larger than the flash region";
    } else if (r.flash.size != 0 || (r.flags & sysimg::VM_FLASH_WRITABLE) != 0) {
        return "flash contents without a flash region";
    }
    if ((r.flags & ~(sysimg::VM_FIRMWARE_DT | sysimg::VM_FLASH_WRITABLE | sysimg::VM_MTE | sysimg::VM_STANDBY |
                     sysimg::VM_SCRUB_EAGER)) != 0 ||
        r.reserved0 != 0 || r.reserved2 != 0)
        return "unknown VM flags";
    if (r.on_failure > sysimg::FAILURE_FAILOVER) return "an unknown failure policy";
    if ((r.on_failure == sysimg::FAILURE_FAILOVER) != (r.partner != 0) ||
        ((r.flags & sysimg::VM_STANDBY) != 0 && r.on_failure != sysimg::FAILURE_FAILOVER))
        return "a failover partner without a failover policy, or the reverse";
    if (r.on_failure != sysimg::FAILURE_STOP &&
        (r.max_restarts == 0 || r.restart_window_ms == 0 || r.restart_backoff_ms > sysimg::MAX_BACKOFF_MS))
        return "a restart policy without restarts, without a window or with a back-off over an hour";
    if (r.on_failure == sysimg::FAILURE_STOP && (r.max_restarts | r.restart_window_ms | r.restart_backoff_ms) != 0)
        return "restart limits for a VM that is not restarted";
    if ((r.flags & sysimg::VM_FIRMWARE_DT) != 0 && (r.dtb.size == 0 || r.initrd.size != 0))
        return "a firmware guest without a device tree, or with an initramfs";
    if (r.budget_us != 0 && (r.period_us == 0 || r.budget_us > r.period_us))
        return "a CPU budget larger than its period";
    return nullptr;
}

} // namespace tessera

// absent_boot.cpp — the minimal build's boot steps for its absent modules (absent.cpp): none of their set-up, and
// a packed description that needs one of them refused whole, saying which. Boot-only (arch/aarch64/link.ld).
#include "arch.hpp"
#include "channel.hpp"
#include "console_rx.hpp"
#include "entropy.hpp"
#include "failover.hpp"
#include "system_image.hpp"
#include "vdebug.hpp"
#include "virtio_create.hpp"
#include "vpmu.hpp"

namespace tessera {

namespace {

/// Boot: refuses the whole description if any VM or channel needs a part
/// this build does not have (checked once, from the first creation step).
void refuse_what_is_absent(const SystemDesc& sys) {
    for (u16 i = 0; i < sys.vm_count; ++i) {
        const VmDesc& d = sys.vms[i];
        if (d.failure.action != sysimg::FAILURE_STOP) {
            arch::panic("vm %s: on_failure restart or failover needs the health module, which the minimal build "
                        "leaves out",
                        d.name);
        }
        if (d.sve_vq != 0) arch::panic("vm %s: sve needs the SVE module, which the minimal build leaves out", d.name);
        // (Linux and firmware write MDSCR_EL1 and the PMU's registers at
        // once, which this build does not lend, and talk through the UART.)
        if (d.dtb.size() != 0) {
            arch::panic("vm %s: a Linux or firmware guest needs the debug and PMU registers and the virtual UART, "
                        "which the minimal build leaves out (it runs bare-metal images)",
                        d.name);
        }
    }
    if (sys.channel_count != 0) {
        arch::panic("channel %s: channels need the channel module, which the minimal build leaves out",
                    sys.channels[0].name);
    }
}

} // namespace

// Channels and virtio: none (checked from the first of the two steps).
void channels_create(const SystemDesc& sys, PageAllocator&) { refuse_what_is_absent(sys); }
namespace virtio {
void virtio_create(const SystemDesc& sys, PageAllocator&) { refuse_what_is_absent(sys); }
} // namespace virtio

void failover_prepare_devices(PageAllocator&) {}
void entropy_init(const u8*, usize) {}
void console_rx_start() {}

} // namespace tessera

namespace tessera::arch {

void pmu_init_core() {}
void debug_init() {}

} // namespace tessera::arch

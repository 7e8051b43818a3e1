// main.cpp — the boot sequence: EL2 MMU, device tree, console, GIC, VMs, secondary cores.
#include <atomic>

#include "anti_rollback.hpp"
#include "arch.hpp"
#include "board.hpp"
#include "board_info.hpp"
#include "console.hpp"
#include "console_rx.hpp"
#include "entropy.hpp"
#include "gicv3.hpp"
#include "id_regs.hpp"
#include "measurement.hpp"
#include "mmu.hpp"
#include "packed_system.hpp"
#include "pl011.hpp"
#include "psci.hpp"
#include "sched.hpp"
#include "secure_boot.hpp"
#include "smp.hpp"
#include "string.hpp"
#include "sysreg.hpp"
#include "vdebug.hpp"
#include "version.hpp"
#include "virtio_create.hpp"
#include "vpl011.hpp"

extern "C" char __module_code_start[], __module_code_end[], __module_rodata_start[], __module_rodata_end[],
    __boot_rodata_start[], __boot_rodata_end[], __boot_code_start[], __boot_code_end[], __image_start[],
    __resident_code_end[], __resident_rodata_end[], __rodata_used[], __text_end[], __rodata_end[], __payload_start[],
    __payload_end[], __payload_region_end[], __data_end[], __bss_start[], __bss_end[], __stacks_start[], __stacks_end[],
    __image_end[];
extern "C" char secondary_entry[];

namespace tessera {

namespace {

/// Pool for the boot-time tables, right after the image (the image is in RAM,
/// so RAM continues there); the rest of RAM joins once the DTB is read.
constexpr u64 EARLY_POOL = TESSERA_BOOT_POOL;
static_assert(EARLY_POOL % PAGE_SIZE == 0);

constinit PageAllocator g_alloc;
El2Table g_el2;
constinit BoardInfo g_board;

u64 sym(const char* s) { return reinterpret_cast<u64>(s); }

u64 stack_top(unsigned core) { return sym(__stacks_start) + (static_cast<u64>(core) + 1) * TESSERA_STACK_SIZE; }

void map_or_panic(u64 base, u64 size, MapAttrs attrs, const char* what) {
    const u64 start = align_down(base, PAGE_SIZE);
    const u64 end = align_up(base + size, PAGE_SIZE);
    if (Status s = g_el2.map(VirtAddr(start), PhysAddr(start), end - start, attrs, g_alloc); s != Status::ok) {
        arch::panic("cannot map %s at %#llx: %s", what, static_cast<unsigned long long>(base), status_name(s));
    }
}

const MapAttrs k_device{true, true, false, MapAttrs::Mem::device};
const MapAttrs k_rw{true, true, false, MapAttrs::Mem::normal};
const MapAttrs k_rw_tagged{true, true, false, MapAttrs::Mem::tagged};
const MapAttrs k_ro{true, false, false, MapAttrs::Mem::normal};

/// No usable device tree: say so on the board's fallback UART and stop.
[[noreturn]] void no_device_tree(const char* why) {
    map_or_panic(board::FALLBACK_UART, PAGE_SIZE, k_device, "fallback UART");
    arch::el2_mmu_enable(g_el2);
    pl011::init(board::FALLBACK_UART);
    console_init(pl011::putc);
    log("cannot boot: %s (x0 must point to a flattened device tree)", why);
    arch::system_off();
}

constinit PhysRange g_fdt_pages{}; ///< the device tree, mapped read-only and never allocated
constinit PhysRange g_packed{};    ///< the packed system description after the boot pool, if any

/// Largest packed description believed before it is checked (mapping it
/// takes table pages from the boot pool).
constexpr u64 PACKED_LIMIT = 1ull << 30;

/// Maps [start, end) RW, never executable, and hands it to the allocator,
/// leaving out the device tree wherever the loader put it.
void add_ram_piece(u64 start, u64 end) {
    const u64 hole_lo = g_fdt_pages.base.raw();
    const u64 hole_hi = g_fdt_pages.end().raw();
    if (hole_lo < end && start < hole_hi) {
        if (start < hole_lo) add_ram_piece(start, hole_lo);
        if (hole_hi < end) add_ram_piece(hole_hi, end);
        return;
    }
    // (Tagged where the board has tag memory: a VM's scrub clears its tags.)
    map_or_panic(start, end - start, arch::el2_tags() ? k_rw_tagged : k_rw, "RAM");
    if (g_alloc.add_range({PhysAddr(start), end - start}) != Status::ok) arch::panic("too many RAM ranges");
}

/// Gives the rest of RAM to the allocator (and maps it RW, never executable).
void add_ram() {
    const u64 pool_start = align_up(sym(__image_end), PAGE_SIZE) + EARLY_POOL + g_packed.size;
    bool found_image = false;
    for (unsigned i = 0; i < g_board.memory_count; ++i) {
        const PhysRange bank = g_board.memory[i];
        u64 start = bank.base.raw();
        if (bank.contains(PhysAddr(sym(__image_start)))) {
            found_image = true;
            if (bank.end().raw() < pool_start) arch::panic("RAM ends inside the hypervisor's boot pool");
            start = pool_start; // below: DTB, image, early pool
        }
        if (bank.end().raw() <= start) continue;
        add_ram_piece(start, bank.end().raw());
    }
    if (!found_image) arch::panic("the image at %p is not in any memory node", static_cast<void*>(__image_start));
    for (unsigned i = 0; i < g_board.reserved_count; ++i) {
        if (g_alloc.reserve(g_board.reserved[i]) != Status::ok) arch::panic("too many reserved ranges");
    }
}

/// How long a core may take to come up after PSCI CPU_ON (counter time).
constexpr u64 CORE_START_TIMEOUT_US = 1'000'000;

/// Cores whose PSCI CPU_ON succeeded (bit i: core i).
constinit u32 g_started = 0;
static_assert(TESSERA_MAX_CORES <= 32, "g_started has a bit per core");

/// Starts every other core; they come up while this one goes on with the
/// boot, and sleep until it is over (arch::leave_boot).
void start_secondaries() {
    // Secondaries start with caches off and read the boot core's MMU
    // settings (g_el2_mmu_regs, in .bss) before their MMU is on: made
    // visible, with the image's data, bss and stacks. (They store nothing
    // before their MMU is on: start.S. The EL2 tables are read only by the
    // table walker, which their MMU enable makes cacheable: TCR_EL2 inner
    // write-back and shareable, SCTLR_EL2.M and C set together.)
    arch::clean_dcache_to_poc(__payload_region_end, sym(__stacks_end) - sym(__payload_region_end));
    for (unsigned i = 1; i < g_core_count; ++i) {
        const i64 r = arch::psci_cpu_on(g_cores[i].mpidr, sym(secondary_entry), i);
        if (r != 0) {
            log("core %u (MPIDR %#llx): PSCI CPU_ON failed (%lld)", i,
                static_cast<unsigned long long>(g_cores[i].mpidr), static_cast<long long>(r));
            continue;
        }
        g_started |= 1u << i;
    }
}

/// Waits for the cores start_secondaries() started to say they are up.
void wait_for_secondaries() {
    for (unsigned i = 1; i < g_core_count; ++i) {
        if ((g_started & (1u << i)) == 0) continue;
        const bool up =
            arch::wait_until([&] { return g_cores[i].online.load(std::memory_order_acquire); }, CORE_START_TIMEOUT_US);
        if (!up) log("core %u did not come up", i);
    }
}

/// The system to boot: the one `tessera build` packed into the image, else
/// the one linked in. Refuses a packed description that does not check out,
/// or an image older than the board's counter (read from its flash).
const SystemDesc& boot_system() {
    static SystemDesc packed;
    if (g_packed.size == 0) arch::panic("this image holds no system: pack one with `tessera build`");
    const auto* blob = static_cast<const u8*>(arch::phys_to_ptr(g_packed.base));
    // The signature first: nothing in the description is trusted before it.
    BootVerdict v;
    if (const char* why = secure_boot_check(blob, g_packed.size, v); why != nullptr)
        arch::panic("secured boot: image refused: %s", why);
    const PhysRange nv_flash = v.anchored ? g_board.nv_flash : PhysRange{};
    if (nv_flash.size >= NV_FLASH_MAPPED) map_or_panic(nv_flash.base.raw(), NV_FLASH_MAPPED, k_device, "counter flash");
    if (const char* why = anti_rollback(v, nv_flash); why != nullptr)
        arch::panic("secured boot: image refused: %s", why);
    if (const char* why = packed_system_load(blob, g_packed.size, g_alloc, packed); why != nullptr) {
        arch::panic("packed system description refused: %s", why);
    }
    log("system: %u VMs from the packed description (%llu bytes)", packed.vm_count,
        static_cast<unsigned long long>(g_packed.size));
    // The measured-boot record the guests may read (TESSERA_MEASUREMENT).
    g_boot_measurement = BootMeasurement{v.is_signed, v.anchored, v.security_version, v.parts, {}, v.part_records};
    memcpy(g_boot_measurement.manifest_digest, v.manifest_digest, sizeof v.manifest_digest);
    const u8* f = v.fingerprint;
    if (!v.is_signed) {
        log("system: UNSIGNED - development only (this hypervisor has no key: a CRC-32 checked the image, nothing "
            "verified who made it)");
    } else if (v.anchored) {
        log("system: signed with this hypervisor's key (fingerprint %02x%02x%02x%02x), security version %u: %u parts "
            "verified",
            f[0], f[1], f[2], f[3], v.security_version, v.parts);
    } else {
        log("system: signed (fingerprint %02x%02x%02x%02x, security version %u, %u parts match), but this hypervisor "
            "has no key to trust: UNSIGNED - development only",
            f[0], f[1], f[2], f[3], v.security_version, v.parts);
    }
    return packed;
}

void print_banner() {
    unsigned online = 0;
    for (unsigned i = 0; i < g_core_count; ++i) online += g_cores[i].online.load(std::memory_order_acquire) ? 1 : 0;
    log("Tessera %s: %u of %u cores online", TESSERA_VERSION, online, g_core_count);
    const u64 boot_code = sym(__boot_code_end) - sym(__boot_code_start);
    const u64 module_code = sym(__module_code_end) - sym(__module_code_start);
    const u64 module_rodata = sym(__module_rodata_end) - sym(__module_rodata_start);
    const u64 boot_rodata = sym(__boot_rodata_end) - sym(__boot_rodata_start);
    log("EL2 image: resident code %llu, rodata %llu, data %llu, bss %llu bytes; boot-only code %llu (+ rodata %llu); "
        "stacks %llu, "
        "guest payload %llu",
        static_cast<unsigned long long>(sym(__resident_code_end) - sym(__image_start) - module_code),
        static_cast<unsigned long long>(sym(__resident_rodata_end) - sym(__text_end) - module_rodata),
        static_cast<unsigned long long>(sym(__data_end) - sym(__payload_region_end)),
        static_cast<unsigned long long>(sym(__bss_end) - sym(__bss_start)), static_cast<unsigned long long>(boot_code),
        static_cast<unsigned long long>(boot_rodata),
        static_cast<unsigned long long>(sym(__stacks_end) - sym(__stacks_start)),
        static_cast<unsigned long long>(sym(__payload_end) - sym(__payload_start)));
    log("virtio module: code %llu, rodata %llu bytes", static_cast<unsigned long long>(module_code),
        static_cast<unsigned long long>(module_rodata));
    log("per VM %llu bytes + stage-2 tables, per vCPU %llu bytes", static_cast<unsigned long long>(sizeof(Vm)),
        static_cast<unsigned long long>(sizeof(Vcpu)));
}

/// Fills in every core's own fields, on the boot core: a secondary, whose
/// caches are off until its MMU is on, writes none of g_cores (its stores
/// would go around this core's cached copy of the same line).
void init_cores() {
    for (unsigned i = 0; i < MAX_CORES; ++i) {
        g_cores[i].index = i;
        g_cores[i].stack_top = stack_top(i);
    }
}

} // namespace

} // namespace tessera

using namespace tessera;

/// First C++ code on the boot core: MMU off, x0 = device tree. Never returns.
extern "C" [[noreturn]] void boot_main(const void* fdt) {
    init_cores();
    arch::tpidr_el2::write(reinterpret_cast<u64>(&g_cores[0]));
    g_cores[0].mpidr = arch::mpidr_affinity(arch::mpidr_el1::read());

    const u64 early = align_up(sym(__image_end), PAGE_SIZE);
    if (g_alloc.add_range({PhysAddr(early), EARLY_POOL}) != Status::ok || g_el2.init(g_alloc) != Status::ok ||
        arch::el2_map_image(g_el2, g_alloc) != Status::ok) {
        arch::system_off(); // nothing to print with yet; cannot happen with a sane link
    }
    // (Tagged like the rest of RAM: a small VM's RAM may be allocated here.)
    map_or_panic(early, EARLY_POOL, arch::el2_tags() ? k_rw_tagged : k_rw, "boot pool");
    // A system packed by `tessera build` follows the boot pool (MMU off:
    // only its header's aligned words are read here).
    const u64 packed_at = early + EARLY_POOL;
    if (const u64 size = packed_system_size(reinterpret_cast<const void*>(packed_at), PACKED_LIMIT); size != 0) {
        g_packed = {PhysAddr(packed_at), align_up(size, PAGE_SIZE)};
        map_or_panic(packed_at, g_packed.size, k_ro, "packed system description");
    }

    // The header is read with the MMU off: aligned words only.
    const auto* hdr = static_cast<const u32*>(fdt);
    if (fdt == nullptr || !is_aligned(reinterpret_cast<u64>(fdt), 8) || __builtin_bswap32(hdr[0]) != 0xd00dfeed) {
        no_device_tree(fdt == nullptr ? "x0 is null" : "bad magic");
    }
    const u64 fdt_lo = align_down(reinterpret_cast<u64>(fdt), PAGE_SIZE);
    g_fdt_pages = {PhysAddr(fdt_lo),
                   align_up(reinterpret_cast<u64>(fdt) + __builtin_bswap32(hdr[1]), PAGE_SIZE) - fdt_lo};
    if (g_fdt_pages.overlaps({PhysAddr(sym(__image_start)), early + EARLY_POOL + g_packed.size - sym(__image_start)})) {
        no_device_tree("the device tree overlaps the image, its boot pool or its packed system");
    }
    map_or_panic(g_fdt_pages.base.raw(), g_fdt_pages.size, k_ro, "device tree");
    arch::el2_mmu_enable(g_el2);

    if (const char* err = board_from_fdt(fdt, g_board); err != nullptr) no_device_tree(err);
    map_or_panic(g_board.uart.base.raw(), PAGE_SIZE, k_device, "UART");
    pl011::init(g_board.uart.base.raw());
    console_init(pl011::putc);
    log("core 0 up (MPIDR %#llx)", static_cast<unsigned long long>(g_cores[0].mpidr));
    if (!g_board.psci_smc) log("warning: device tree does not say PSCI via smc; using smc anyway");
    if (g_board.cpus_ignored > 0)
        log("warning: %u cores beyond %u are left off", g_board.cpus_ignored, TESSERA_MAX_CORES);

    add_ram();
    map_or_panic(g_board.gicd.base.raw(), g_board.gicd.size, k_device, "GIC distributor");
    map_or_panic(g_board.gicr.base.raw(), g_board.gicr.size, k_device, "GIC redistributors");
    arch::gic_init_distributor(g_board.gicd.base, g_board.gicr);
    if (!arch::gic_init_cpu(g_cores[0].mpidr)) arch::panic("no GIC redistributor for core 0");
    arch::read_board_id_registers(); // (before any core sets its traps from them)
    arch::debug_init();
    entropy_init(g_board.rng_seed, g_board.rng_seed_len);
    memset(g_board.rng_seed, 0, sizeof g_board.rng_seed); // (kept only inside the generator)
    if (!entropy_seeded())
        log("warning: no entropy (the board gives no /chosen/rng-seed and no RNDR, or this build has no entropy "
            "module): guests' random seeds are predictable");
    arch::virt_init_core();
    if (g_board.uart_intid >= 32) {
        arch::set_device_irq(g_board.uart_intid, on_console_rx);
        arch::gic_enable_spi(g_board.uart_intid, g_cores[0].mpidr);
        pl011::enable_rx_interrupt();
    }

    g_core_count = g_board.cpu_count;
    for (unsigned i = 1; i < g_core_count; ++i) g_cores[i].mpidr = g_board.cpu_mpidr[i];
    g_cores[0].online.store(true, std::memory_order_release);
    start_secondaries(); // (they need the ID registers read above, nothing below)

    const SystemDesc& sys = boot_system();
    vms_create(sys, g_alloc);
    virtio::virtio_create(sys, g_alloc);
    wait_for_secondaries();
    print_banner();
    console_rx_start();
    arch::leave_boot(g_cores[0], g_el2); // (the others run no VM's vCPU before this)
}

/// First C++ code on a secondary core, started by PSCI CPU_ON with x0 = its
/// index. Never returns.
extern "C" [[noreturn]] void secondary_main(u64 index) {
    arch::tpidr_el2::write(reinterpret_cast<u64>(&g_cores[index])); // (its fields: init_cores())
    PerCore& core = g_cores[index];
    // (start.S turned its MMU on before its first store: see there why.)
    if ((arch::sctlr_el2::read() & 1) == 0) arch::panic("core %u entered C++ with its MMU off", core.index);
    if (!arch::gic_init_cpu(core.mpidr)) arch::panic("no GIC redistributor for core %u", core.index);
    arch::virt_init_core();
    log("core %u up (MPIDR %#llx)", core.index, static_cast<unsigned long long>(core.mpidr));
    core.online.store(true, std::memory_order_release);
    arch::dsb_ish();
    arch::sev();
    arch::leave_boot(core, g_el2); // sleeps until the boot core is done
}

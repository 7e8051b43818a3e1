// vm_dtb.cpp — building a VM's device tree with libfdt's sequential-write API.
#include "vm_dtb.hpp"

#include <libfdt.h>

#include "vplatform.hpp"

#include <cstdio>
#include <stdexcept>

namespace tessera::sdk {

namespace {

// The guest-physical device map Tessera emulates (the QEMU virt map).
using namespace tessera::vplat;
constexpr uint32_t UART_SPI = UART_INTID - 32;
constexpr uint32_t PHANDLE_GIC = 1, PHANDLE_CLK = 2, PHANDLE_WDOG_CLK = 3;
constexpr uint32_t IRQ_SPI = 0, IRQ_PPI = 1, IRQ_LEVEL_HIGH = 4;

class Writer {
public:
    explicit Writer(size_t size) : buf_(size) { check(fdt_create(buf_.data(), static_cast<int>(size))); }
    void check(int err) {
        if (err < 0) throw std::runtime_error(std::string("libfdt: ") + fdt_strerror(err));
    }
    void* fdt() { return buf_.data(); }
    void begin(const char* name) { check(fdt_begin_node(fdt(), name)); }
    void end() { check(fdt_end_node(fdt())); }
    void prop(const char* name) { check(fdt_property(fdt(), name, nullptr, 0)); }
    void prop(const char* name, const std::string& s) { check(fdt_property_string(fdt(), name, s.c_str())); }
    void prop_u32(const char* name, uint32_t v) { check(fdt_property_u32(fdt(), name, v)); }
    void prop_u64(const char* name, uint64_t v) { check(fdt_property_u64(fdt(), name, v)); }
    void prop_zeros(const char* name, size_t n) {
        const std::vector<uint8_t> zeros(n, 0);
        check(fdt_property(fdt(), name, zeros.data(), static_cast<int>(n)));
    }
    void cells(const char* name, const std::vector<uint32_t>& c) {
        std::vector<fdt32_t> be;
        be.reserve(c.size());
        for (uint32_t v : c) be.push_back(cpu_to_fdt32(v));
        check(fdt_property(fdt(), name, be.data(), static_cast<int>(be.size() * 4)));
    }
    void strings(const char* name, const std::vector<std::string>& list) {
        std::string joined;
        for (const auto& s : list) joined.append(s).push_back('\0');
        check(fdt_property(fdt(), name, joined.data(), static_cast<int>(joined.size())));
    }
    std::vector<uint8_t> finish() {
        check(fdt_finish(fdt()));
        buf_.resize(fdt_totalsize(fdt()));
        return buf_;
    }

private:
    std::vector<uint8_t> buf_;
};

uint32_t hi(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
uint32_t lo(uint64_t v) { return static_cast<uint32_t>(v); }

} // namespace

uint64_t initrd_address(const LinuxVmSpec& spec) {
    const uint64_t size = (spec.initrd_size + LINUX_INITRD_ALIGN - 1) & ~(LINUX_INITRD_ALIGN - 1);
    // The device tree takes the first 2 MiB and the kernel starts right after.
    if (size + 2 * LINUX_DTB_SPACE > spec.ram_size)
        throw std::invalid_argument("the initramfs does not fit in the VM's memory");
    return spec.ram_base + spec.ram_size - size;
}

std::vector<uint8_t> build_vm_dtb(const LinuxVmSpec& spec) {
    if (spec.vcpus == 0 || spec.vcpus > 256) throw std::invalid_argument("a VM has 1 to 256 vCPUs");
    if (spec.ram_size < LINUX_MIN_RAM) throw std::invalid_argument("a Linux VM needs at least 16 MiB");
    if (spec.virtio_devices > tessera::vplat::MAX_VIRTIO_PER_VM)
        throw std::invalid_argument("a VM has at most 8 virtio devices");
    Writer w(size_t{64} * 1024);
    w.check(fdt_finish_reservemap(w.fdt()));
    w.begin("");
    w.prop_u32("#address-cells", 2);
    w.prop_u32("#size-cells", 2);
    w.prop("compatible", "linux,dummy-virt");
    w.prop("model", "Tessera VM " + spec.name);
    w.prop_u32("interrupt-parent", PHANDLE_GIC);

    w.begin("chosen");
    if (!spec.bootargs.empty()) w.prop("bootargs", spec.bootargs);
    w.prop("stdout-path", "/pl011@9000000");
    // Room for the seed the hypervisor writes at each boot of the VM (a fresh
    // one per VM and per boot, as a loader on bare metal gives one).
    w.prop_zeros("rng-seed", tessera::vplat::RNG_SEED_BYTES);
    if (spec.initrd_size != 0) {
        const uint64_t start = initrd_address(spec);
        w.prop_u64("linux,initrd-start", start);
        w.prop_u64("linux,initrd-end", start + spec.initrd_size);
    }
    w.end();

    char mem[32];
    std::snprintf(mem, sizeof mem, "memory@%llx", static_cast<unsigned long long>(spec.ram_base));
    w.begin(mem);
    w.prop("device_type", "memory");
    w.cells("reg", {hi(spec.ram_base), lo(spec.ram_base), hi(spec.ram_size), lo(spec.ram_size)});
    w.end();

    w.begin("cpus");
    w.prop_u32("#address-cells", 1);
    w.prop_u32("#size-cells", 0);
    for (unsigned i = 0; i < spec.vcpus; ++i) {
        const uint32_t mpidr = ((i / 256) << 8) | (i % 256);
        char name[32];
        std::snprintf(name, sizeof name, "cpu@%x", mpidr);
        w.begin(name);
        w.prop("device_type", "cpu");
        w.prop("compatible", "arm,armv8");
        w.prop_u32("reg", mpidr);
        w.prop("enable-method", "psci");
        w.end();
    }
    w.end();

    w.begin("psci");
    w.strings("compatible", {"arm,psci-1.0", "arm,psci-0.2"});
    w.prop("method", "hvc");
    w.end();

    w.begin("intc@8000000");
    w.prop("compatible", "arm,gic-v3");
    w.prop_u32("#interrupt-cells", 3);
    w.prop("interrupt-controller");
    w.prop_u32("#address-cells", 2);
    w.prop_u32("#size-cells", 2);
    w.prop_u32("#redistributor-regions", 1);
    w.cells("reg", {hi(GICD), lo(GICD), hi(GICD_SIZE), lo(GICD_SIZE), hi(GICR), lo(GICR), 0,
                    static_cast<uint32_t>(GICR_STRIDE * spec.vcpus)});
    w.prop_u32("phandle", PHANDLE_GIC);
    w.end();

    w.begin("timer");
    w.prop("compatible", "arm,armv8-timer");
    w.cells("interrupts", {IRQ_PPI, 13, IRQ_LEVEL_HIGH, IRQ_PPI, 14, IRQ_LEVEL_HIGH, IRQ_PPI, 11, IRQ_LEVEL_HIGH,
                           IRQ_PPI, 10, IRQ_LEVEL_HIGH});
    w.prop("always-on");
    w.end();

    w.begin("apb-pclk");
    w.prop("compatible", "fixed-clock");
    w.prop_u32("#clock-cells", 0);
    w.prop_u32("clock-frequency", 24'000'000);
    w.prop("clock-output-names", "clk24mhz");
    w.prop_u32("phandle", PHANDLE_CLK);
    w.end();

    w.begin("pl011@9000000");
    w.strings("compatible", {"arm,pl011", "arm,primecell"});
    w.cells("reg", {hi(UART), lo(UART), hi(UART_SIZE), lo(UART_SIZE)});
    w.cells("interrupts", {IRQ_SPI, UART_SPI, IRQ_LEVEL_HIGH});
    w.cells("clocks", {PHANDLE_CLK, PHANDLE_CLK});
    w.strings("clock-names", {"uartclk", "apb_pclk"});
    w.end();

    // The watchdog (hyp/core/vsp805.cpp): Linux's stock sp805_wdt drives it;
    // one count per microsecond.
    w.begin("wdog-clk");
    w.prop("compatible", "fixed-clock");
    w.prop_u32("#clock-cells", 0);
    w.prop_u32("clock-frequency", tessera::vplat::WATCHDOG_CLOCK_HZ);
    w.prop("clock-output-names", "wdogclk");
    w.prop_u32("phandle", PHANDLE_WDOG_CLK);
    w.end();

    char wdog[32];
    std::snprintf(wdog, sizeof wdog, "watchdog@%llx", static_cast<unsigned long long>(tessera::vplat::WATCHDOG));
    w.begin(wdog);
    w.strings("compatible", {"arm,sp805", "arm,primecell"});
    w.cells("reg", {hi(tessera::vplat::WATCHDOG), lo(tessera::vplat::WATCHDOG), 0,
                    static_cast<uint32_t>(tessera::vplat::WATCHDOG_SIZE)});
    w.cells("clocks", {PHANDLE_WDOG_CLK, PHANDLE_CLK});
    w.strings("clock-names", {"wdog_clk", "apb_pclk"});
    w.end();

    for (unsigned j = 0; j < spec.virtio_devices; ++j) {
        // Its virtio channels, in the system file's order (hyp/modules/virtio).
        const uint64_t base = tessera::vplat::VIRTIO_BASE + j * tessera::vplat::VIRTIO_SIZE;
        char name[32];
        std::snprintf(name, sizeof name, "virtio_mmio@%llx", static_cast<unsigned long long>(base));
        w.begin(name);
        w.prop("compatible", "virtio,mmio");
        w.cells("reg", {hi(base), lo(base), 0, static_cast<uint32_t>(tessera::vplat::VIRTIO_SIZE)});
        w.cells("interrupts", {IRQ_SPI, tessera::vplat::VIRTIO_INTID - 32 + j, IRQ_LEVEL_HIGH});
        w.prop("dma-coherent");
        w.end();
    }

    w.end();
    return w.finish();
}

} // namespace tessera::sdk

// system_config.hpp — the system file: parsing the YAML and checking it, with file:line errors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vplatform.hpp"

namespace tessera::sdk {

/// One VM of the system file.
struct VmConfig {
    std::string name;
    int line = 0;          ///< where it is declared (1-based)
    std::string image;     ///< bare-metal program (flat binary), resolved path
    bool is_linux = false; ///< a Linux kernel with initramfs and device tree instead
    std::string kernel;    ///< Linux: arm64 Image, resolved path
    std::string initrd;    ///< Linux: initramfs, resolved path ("" if none)
    std::string bootargs = "console=ttyAMA0";
    int image_line = 0;                       ///< where image: (or linux: kernel:) is, for errors about that file
    int initrd_line = 0;                      ///< where linux: initrd: is
    int memory_line = 0;                      ///< where memory: is (the VM's line if missing)
    uint64_t memory = 0;                      ///< RAM bytes
    uint64_t base = tessera::vplat::RAM_BASE; ///< guest-physical base of its RAM
    unsigned vcpus = 1;
    std::vector<unsigned> cores; ///< physical core of each vCPU
    unsigned priority = 0;
    unsigned sve_bits = 0;    ///< SVE vector length; 0: SVE hidden from the VM
    bool mte = false;         ///< MTE for this VM (tagged memory, tag checks), where the board has it
    bool scrub_eager = false; ///< its RAM scrubbed whole before each run, not 2 MiB at a time on first touch
    bool device_tree = false; ///< image: a firmware-style guest: the board's device tree at its RAM base, x0 = it,
                              ///< the image 2 MiB above (the QEMU virt convention U-Boot expects)
    uint64_t flash_base = 0;  ///< its flash region (size 0: none), below the RAM window
    uint64_t flash_size = 0;
    std::string flash_image; ///< the region's initial contents ("": erased, all 0xff)
    int flash_line = 0;
    bool flash_writable = false; ///< RAM-backed and kept across the VM's restarts; else read-only
    uint32_t budget_us = 0;      ///< 0: unlimited
    uint32_t period_us = 0;
    uint8_t on_failure = 0; ///< tessera::sysimg::FAILURE_STOP, FAILURE_RESTART or FAILURE_FAILOVER
    std::string standby;    ///< on_failure: failover: the VM that takes over
    int standby_line = 0;
    unsigned partner = 0;      ///< a failover pair's other VM, by index + 1 (set for both)
    bool is_standby = false;   ///< it is a failover pair's standby
    uint32_t max_restarts = 0; ///< on_failure: restart: restarts allowed within the window
    uint32_t restart_window_ms = 0;
    uint32_t restart_backoff_ms = 0;
    uint32_t devices = 0;                 ///< bit i: the board's device i (hyp/platform/qemu-virt/board.hpp)
    std::map<unsigned, int> device_lines; ///< where each device was given
};

/// A channel between two VMs: shared memory and a doorbell each way (raw),
/// a network device in each, frames copied by the hypervisor (virtio-net), or
/// a console device in a Linux VM (vm[0]) served by a bare-metal VM (vm[1])
/// through a message ring (virtio-console).
struct ChannelConfig {
    enum class Kind : uint8_t { raw, virtio_net, virtio_console };
    std::string name;
    unsigned vm[2] = {}; ///< its endpoints, by index in `vms`
    uint64_t size = 0;   ///< raw, virtio-console: bytes of shared memory; virtio-net: 0
    Kind kind = Kind::raw;

    /// Its kind as the packed record says it (sysimg::CHANNEL_*).
    [[nodiscard]] uint32_t record_kind() const;
    int line = 0;
};

/// The whole system: the board, its VMs and the channels between them.
struct SystemConfig {
    std::string file;                ///< the system file it was read from (errors name it)
    unsigned cores = 4;              ///< physical cores of the board
    uint64_t memory = 1024ull << 20; ///< board RAM
    std::vector<VmConfig> vms;
    std::vector<ChannelConfig> channels;

    /// How many virtio channels VM `vm` is in (its virtio devices; a failover standby: its partner's).
    [[nodiscard]] unsigned virtio_devices(unsigned vm) const;
};

/// What is wrong, and where.
struct ConfigError {
    std::string file;
    int line = 0; ///< 1-based; 0 if the file as a whole
    std::string message;
    [[nodiscard]] std::string str() const;
};

/// Memory the hypervisor keeps for itself on the board (image, tables, pools).
inline constexpr uint64_t HYPERVISOR_RESERVE = 16ull << 20;
/// vCPUs on one physical core, at most.
inline constexpr unsigned MAX_VCPUS_PER_CORE = 256;

/// Reads and checks the system file at `path`. Image paths are looked up
/// next to the file, then in each of `search`; what the hypervisor would
/// otherwise refuse at boot is checked from the files themselves: a Linux
/// kernel that is not an arm64 Image, a VM whose memory cannot hold its
/// image (or kernel, device tree and initramfs). Returns every error found,
/// sorted by line (none: `out` is the system).
std::vector<ConfigError> load_system(const std::string& path, const std::vector<std::string>& search,
                                     SystemConfig& out);

/// Parses "256M", "2G", "512K" or a plain byte count; false if malformed.
bool parse_size(const std::string& text, uint64_t& out);

/// `n` and its noun, plural unless n is 1: "1 VM", "2 VMs", "1 vCPU".
std::string count_of(uint64_t n, const std::string& noun);

/// A size as the system file would write it: "2 MiB", "512 KiB", "100 bytes".
std::string size_text(uint64_t bytes);

/// Every file building `sys` reads besides the hypervisor: the system file,
/// then each VM's image, kernel and initramfs, each once, in order.
std::vector<std::string> input_files(const SystemConfig& sys);

} // namespace tessera::sdk

// system_config.cpp — the system file: parsing the YAML (yaml-cpp) and checking it, with file:line errors.
#include "system_config.hpp"

#include "system_image.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "arm64_image.hpp"
#include "board.hpp"

namespace tessera::sdk {

namespace fs = std::filesystem;

std::string ConfigError::str() const {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

bool parse_size(const std::string& text, uint64_t& out) {
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return false;
    size_t used = 0;
    uint64_t n = 0;
    try {
        n = std::stoull(text, &used);
    } catch (const std::exception&) {
        return false;
    }
    const std::string unit = text.substr(used);
    unsigned shift = 0;
    if (unit == "K" || unit == "KiB")
        shift = 10;
    else if (unit == "M" || unit == "MiB")
        shift = 20;
    else if (unit == "G" || unit == "GiB")
        shift = 30;
    else if (!unit.empty())
        return false;
    if (n > (~0ull >> shift)) return false;
    out = n << shift;
    return true;
}

std::string count_of(uint64_t n, const std::string& noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string size_text(uint64_t bytes) {
    if (bytes != 0 && bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
    if (bytes != 0 && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    if (bytes != 0 && bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
    return count_of(bytes, "byte");
}

std::vector<std::string> input_files(const SystemConfig& sys) {
    std::vector<std::string> files{sys.file};
    auto add = [&](const std::string& f) {
        if (!f.empty() && std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
    };
    for (const VmConfig& vm : sys.vms) {
        add(vm.image);
        add(vm.kernel);
        add(vm.initrd);
    }
    return files;
}

namespace {

constexpr uint64_t IPA_LIMIT = 1ull << 39;                              // the stage-2 input size
constexpr uint64_t RAM_WINDOW = tessera::vplat::RAM_BASE;               // below: the virtual devices (GIC, UART)
constexpr uint64_t FLASH_WINDOW_END = tessera::vplat::FLASH_WINDOW_END; // flash regions go below
constexpr uint64_t FIRMWARE_IMAGE_OFFSET = tessera::vplat::FIRMWARE_IMAGE_OFFSET; // after the device tree
constexpr unsigned MAX_PRIORITY = 15;
constexpr unsigned MAX_VCPUS = tessera::vplat::MAX_VCPUS_PER_VM; // (123: the redistributors end before the UART)

/// Collects errors against one file; every check says where.
class Checker {
public:
    explicit Checker(std::string file) : file_(std::move(file)) {}

    void error(const YAML::Node& at, const std::string& message) { error(line_of(at), message); }
    void error(int line, const std::string& message) { errors_.push_back({file_, line, message}); }
    static int line_of(const YAML::Node& n) { return n.Mark().line + 1; }
    std::vector<ConfigError>& errors() { return errors_; }

    /// Every key of `map` must be one of `known`.
    void keys(const YAML::Node& map, std::initializer_list<const char*> known, const std::string& where) {
        for (auto it = map.begin(); it != map.end(); ++it) {
            if (!it->first.IsScalar()) { // (`? [a, b] : c`: a list or a map as a key)
                error(it->first, where + "a key that is not a name");
                continue;
            }
            const auto key = it->first.as<std::string>();
            if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
                std::string list;
                for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
                std::string message = where;
                message += "unknown key '";
                message += key;
                message += "' (expected one of: ";
                message += list;
                message += ")";
                error(it->first, message);
            }
        }
    }

    bool integer(const YAML::Node& n, uint64_t lo, uint64_t hi, uint64_t& out, const std::string& what) {
        try {
            const auto v = n.as<long long>();
            if (v < static_cast<long long>(lo) || static_cast<uint64_t>(v) > hi) {
                error(n, what + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not " +
                             std::to_string(v));
                return false;
            }
            out = static_cast<uint64_t>(v);
            return true;
        } catch (const YAML::Exception&) {
            error(n, what + " must be a whole number, not '" + scalar(n) + "'");
            return false;
        }
    }

    bool size(const YAML::Node& n, uint64_t& out, const std::string& what) {
        if (!n.IsScalar() || !parse_size(n.as<std::string>(), out) || out == 0) {
            error(n, what + " must be a size such as 2M, 256M or 1G, not '" + scalar(n) + "'");
            return false;
        }
        return true;
    }

    static std::string scalar(const YAML::Node& n) { return n.IsScalar() ? n.as<std::string>() : "(not a value)"; }

private:
    std::string file_;
    std::vector<ConfigError> errors_;
};

/// The first `size` bytes of `path` (fewer if it is shorter); empty if it cannot be read.
std::vector<uint8_t> read_head(const std::string& path, size_t size) {
    std::vector<uint8_t> head(size);
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(size));
    head.resize(in ? size : static_cast<size_t>(in.gcount()));
    return head;
}

/// What the hypervisor checks only once it loads the VM at boot (and
/// panics on), checked here from the files: the kernel is an arm64 Image,
/// and the VM's memory holds its image, or its kernel, device tree and
/// initramfs laid out as the hypervisor lays them out. `kernel` is the
/// kernel as the system file names it.
void check_payload(Checker& c, const VmConfig& vm, const std::string& where, const std::string& kernel) {
    std::error_code ec;
    if (!vm.is_linux) {
        const uint64_t size = fs::file_size(vm.image, ec);
        // With a device tree, the tree has the first 2 MiB and the image follows.
        const uint64_t need = size + (vm.device_tree ? FIRMWARE_IMAGE_OFFSET : 0);
        if (!ec && need > vm.memory) {
            c.error(vm.memory_line, where + size_text(vm.memory) + " of memory is too small for its image of " +
                                        count_of(size, "byte") + (vm.device_tree ? " after its device tree" : ""));
        }
        return;
    }
    const std::vector<uint8_t> head = read_head(vm.kernel, ARM64_HEADER_SIZE);
    Arm64Header header;
    if (const std::string why = read_arm64_header(head.data(), head.size(), header); !why.empty()) {
        c.error(vm.image_line, where + "kernel '" + kernel + "' is " + why);
        return;
    }
    const uint64_t kernel_size = fs::file_size(vm.kernel, ec);
    const uint64_t initrd_size = vm.initrd.empty() ? 0 : fs::file_size(vm.initrd, ec);
    if (ec) return; // unreadable: packing names the file
    const uint64_t need = linux_min_memory(header, kernel_size, initrd_size);
    if (need == UINT64_MAX) {
        c.error(vm.image_line, where + "kernel '" + kernel + "' has a header whose text_offset (" +
                                   std::to_string(header.text_offset) + ") or image_size (" +
                                   std::to_string(header.image_size) + ") no VM could hold");
        return;
    }
    if (vm.memory < need) {
        const uint64_t need_mib = (need + (1ull << 20) - 1) >> 20;
        c.error(vm.memory_line, where + size_text(vm.memory) + " of memory is too small for its kernel" +
                                    (vm.initrd.empty() ? " and device tree" : ", device tree and initramfs") +
                                    "; it needs at least " + std::to_string(need_mib) + " MiB");
    }
}

/// Whether a file is at `p`: false, not an exception, for a name the system
/// cannot look up (too long, say: a system file's name is anyone's text).
bool file_there(const fs::path& p) {
    std::error_code ec;
    return fs::exists(p, ec);
}

/// Finds `name` next to the system file, then in the search directories.
std::string resolve(const std::string& name, const fs::path& dir, const std::vector<std::string>& search) {
    const fs::path p(name);
    if (p.is_absolute()) return file_there(p) ? p.string() : "";
    if (file_there(dir / p)) return (dir / p).string();
    for (const auto& s : search) {
        if (file_there(fs::path(s) / p)) return (fs::path(s) / p).string();
    }
    return "";
}

/// A VM's flash region: `flash: {base:, size:, image:, writable:}`.
void load_flash(Checker& c, const YAML::Node& f, const fs::path& dir, const std::vector<std::string>& search,
                const std::string& where, VmConfig& vm) {
    vm.flash_line = Checker::line_of(f);
    if (!f.IsMap() || !f["base"] || !f["size"]) {
        c.error(f, where + "flash needs base: and size: (and optionally image:, writable:)");
        return;
    }
    c.keys(f, {"base", "size", "image", "writable"}, where + "flash: ");
    uint64_t base = 0;
    uint64_t size = 0;
    if (!c.integer(f["base"], 0, FLASH_WINDOW_END - 1, base, where + "flash base") ||
        !c.size(f["size"], size, where + "flash size")) {
        return;
    }
    if (base % 4096 != 0 || size % 4096 != 0) {
        c.error(f, where + "flash base and size must be whole 4 KiB pages");
        return;
    }
    if (base + size > FLASH_WINDOW_END) {
        c.error(f["size"], where + "flash ends beyond 0x8000000 (the board's flash window, below the GIC)");
        return;
    }
    vm.flash_base = base;
    vm.flash_size = size;
    if (const YAML::Node w = f["writable"]; w) {
        try {
            vm.flash_writable = w.as<bool>();
        } catch (const YAML::Exception&) {
            c.error(w, where + "flash writable must be true or false, not '" + Checker::scalar(w) + "'");
        }
    }
    if (const YAML::Node img = f["image"]; img) {
        const std::string name = Checker::scalar(img);
        vm.flash_image = resolve(name, dir, search);
        std::error_code ec;
        if (vm.flash_image.empty())
            c.error(img,
                    where + "flash image '" + name + "' not found (next to the system file or in the search path)");
        else if (const uint64_t bytes = fs::file_size(vm.flash_image, ec); !ec && bytes > size)
            c.error(img, where + "flash image '" + name + "' (" + count_of(bytes, "byte") + ") is larger than its " +
                             size_text(size) + " flash");
    }
}

/// on_failure: stop (the default) or restart, with its limits.
void load_failure_policy(Checker& c, const YAML::Node& n, const std::string& where, VmConfig& vm) {
    if (const YAML::Node f = n["on_failure"]; f) {
        const std::string action = Checker::scalar(f);
        if (action == "restart") {
            vm.on_failure = tessera::sysimg::FAILURE_RESTART;
        } else if (action == "failover") {
            vm.on_failure = tessera::sysimg::FAILURE_FAILOVER;
            if (!n["standby"]) c.error(f, where + "on_failure: failover needs standby: (the VM that takes over)");
        } else if (action != "stop") {
            c.error(f, where + "on_failure must be stop, restart or failover, not '" + action + "'");
        }
    }
    if (const YAML::Node s = n["standby"]; s) {
        vm.standby = Checker::scalar(s);
        vm.standby_line = Checker::line_of(s);
        if (vm.on_failure != tessera::sysimg::FAILURE_FAILOVER)
            c.error(s, where + "standby: applies only with on_failure: failover");
    }
    const bool restart = vm.on_failure != tessera::sysimg::FAILURE_STOP;
    struct Limit {
        const char* key;
        uint64_t lo, hi, fallback, scale;
        uint32_t& out;
    };
    const Limit limits[] = {{"max_restarts", 1, 1'000'000, 3, 1, vm.max_restarts},
                            {"restart_window_s", 1, 86'400, 60, 1000, vm.restart_window_ms},
                            {"restart_backoff_ms", 0, tessera::sysimg::MAX_BACKOFF_MS, 100, 1, vm.restart_backoff_ms}};
    for (const Limit& l : limits) {
        const YAML::Node v = n[l.key];
        uint64_t value = l.fallback;
        if (v && !restart) {
            c.error(v, where + l.key + " applies only with on_failure: restart or failover");
        } else if (v && !c.integer(v, l.lo, l.hi, value, where + l.key)) {
            continue;
        }
        if (restart) l.out = static_cast<uint32_t>(value * l.scale);
    }
}

void load_vm(Checker& c, const YAML::Node& n, const fs::path& dir, const std::vector<std::string>& search,
             const SystemConfig& sys, VmConfig& vm) {
    vm.line = Checker::line_of(n);
    if (!n.IsMap()) {
        c.error(n, "a VM must be a mapping (name:, image: or linux:, memory:, ...)");
        return;
    }
    const std::string where = n["name"] ? "vm '" + Checker::scalar(n["name"]) + "': " : "";
    c.keys(n, {"name",       "image",   "linux",        "memory",           "base",
               "vcpus",      "cores",   "priority",     "budget",           "devices",
               "sve",        "mte",     "scrub",        "device_tree",      "flash",
               "on_failure", "standby", "max_restarts", "restart_window_s", "restart_backoff_ms"},
           where);
    if (!n["name"]) {
        c.error(n, "a VM needs a name");
    } else {
        vm.name = Checker::scalar(n["name"]);
        const bool ok = !vm.name.empty() && vm.name.size() <= 31 &&
                        std::isalnum(static_cast<unsigned char>(vm.name[0])) &&
                        std::all_of(vm.name.begin(), vm.name.end(), [](char ch) {
                            return std::islower(static_cast<unsigned char>(ch)) ||
                                   std::isdigit(static_cast<unsigned char>(ch)) || ch == '-';
                        });
        if (!ok)
            c.error(n["name"],
                    "name '" + vm.name + "' must be 1-31 of a-z, 0-9 and '-', starting with a letter or digit");
        else if (vm.name == "tessera")
            c.error(n["name"], "name 'tessera' is the hypervisor's own console tag");
    }
    // Every file found; the payload is checked only then (and with good memory).
    bool files_found = true;
    std::string kernel_name;
    auto file = [&](const YAML::Node& f, const std::string& what, std::string& out, int& line) {
        std::string name = Checker::scalar(f);
        line = Checker::line_of(f);
        out = resolve(name, dir, search);
        if (out.empty()) {
            files_found = false;
            c.error(f, where + what + " '" + name + "' not found (next to the system file or in the search path)");
        } else if (std::error_code ec; fs::file_size(out, ec) == 0 && !ec) {
            files_found = false; // (nothing to run: the board would refuse the whole image)
            c.error(f, where + what + " '" + name + "' is empty");
        }
        return name;
    };
    if (n["image"] && n["linux"]) {
        files_found = false;
        c.error(n["linux"], where + "give either image: (bare metal) or linux:, not both");
    } else if (n["image"]) {
        file(n["image"], "image", vm.image, vm.image_line);
    } else if (n["linux"]) {
        const YAML::Node l = n["linux"];
        vm.is_linux = true;
        if (!l.IsMap()) {
            files_found = false;
            c.error(l, where + "linux: needs kernel:, and optionally initrd: and bootargs:");
        } else {
            c.keys(l, {"kernel", "initrd", "bootargs"}, where + "linux: ");
            if (l["kernel"]) {
                kernel_name = file(l["kernel"], "kernel", vm.kernel, vm.image_line);
            } else {
                files_found = false;
                c.error(l, where + "linux: needs a kernel:");
            }
            if (l["initrd"]) file(l["initrd"], "initrd", vm.initrd, vm.initrd_line);
            if (l["bootargs"]) vm.bootargs = Checker::scalar(l["bootargs"]);
        }
    } else {
        files_found = false;
        c.error(n, where + "needs an image: (bare-metal program) or linux: (kernel, initrd)");
    }

    if (const YAML::Node t = n["device_tree"]; t) {
        try {
            vm.device_tree = t.as<bool>();
        } catch (const YAML::Exception&) {
            c.error(t, where + "device_tree must be true or false, not '" + Checker::scalar(t) + "'");
        }
        if (vm.is_linux) c.error(t, where + "device_tree: is for image: guests (a Linux VM always gets one)");
    }

    bool memory_ok = false;
    vm.memory_line = n["memory"] ? Checker::line_of(n["memory"]) : vm.line;
    if (n["memory"])
        memory_ok = c.size(n["memory"], vm.memory, where + "memory");
    else
        c.error(n, where + "needs memory: (e.g. 2M, 256M)");
    if (vm.memory % 4096 != 0) {
        memory_ok = false;
        c.error(n["memory"], where + "memory must be a whole number of 4 KiB pages");
    }
    if (files_found && memory_ok) check_payload(c, vm, where, kernel_name);
    if (n["base"]) {
        uint64_t base = 0;
        if (c.integer(n["base"], 0, IPA_LIMIT, base, where + "base")) {
            vm.base = base;
            if (base < RAM_WINDOW)
                c.error(n["base"], where + "base below 0x40000000 overlaps the virtual GIC and UART");
            else if (base % (2ull << 20) != 0)
                c.error(n["base"], where + "base must be 2 MiB aligned");
        }
    }
    if (vm.base > IPA_LIMIT || vm.memory > IPA_LIMIT - vm.base) // (as a difference: no sum to wrap)
        c.error(n, where + "memory ends beyond the 512 GiB guest-physical space");

    uint64_t v = 1;
    if (n["vcpus"] && c.integer(n["vcpus"], 1, MAX_VCPUS, v, where + "vcpus")) vm.vcpus = static_cast<unsigned>(v);
    vm.cores.assign(vm.vcpus, 0);
    if (const YAML::Node cores = n["cores"]; cores) {
        auto core = [&](const YAML::Node& e, unsigned& out) {
            uint64_t k = 0;
            if (!c.integer(e, 0, 255, k, where + "core")) return;
            if (k >= sys.cores) {
                const std::string range = sys.cores == 1 ? "core 0" : "0-" + std::to_string(sys.cores - 1);
                c.error(e, where + "core " + std::to_string(k) + " does not exist (the board has " +
                               count_of(sys.cores, "core") + ", " + range + ")");
            }
            out = static_cast<unsigned>(k);
        };
        if (cores.IsSequence()) {
            if (cores.size() != vm.vcpus) {
                c.error(cores, where + "cores lists " + count_of(cores.size(), "core") + " for " +
                                   count_of(vm.vcpus, "vCPU") + " (one per vCPU, or one number for all)");
            } else {
                for (size_t i = 0; i < cores.size(); ++i) core(cores[i], vm.cores[i]);
            }
        } else {
            unsigned k = 0;
            core(cores, k);
            vm.cores.assign(vm.vcpus, k);
        }
    } else if (sys.cores > 0) {
        c.error(n, where + "needs cores: (the physical core of each vCPU)");
    }
    if (n["priority"] && c.integer(n["priority"], 0, MAX_PRIORITY, v, where + "priority"))
        vm.priority = static_cast<unsigned>(v);
    if (const YAML::Node f = n["flash"]; f) load_flash(c, f, dir, search, where, vm);
    if (const YAML::Node m = n["mte"]; m) {
        try {
            vm.mte = m.as<bool>();
        } catch (const YAML::Exception&) {
            c.error(m, where + "mte must be true or false, not '" + Checker::scalar(m) + "'");
        }
    }
    if (const YAML::Node m = n["scrub"]; m) {
        const std::string how = Checker::scalar(m);
        if (how == "eager")
            vm.scrub_eager = true;
        else if (how != "lazy")
            c.error(m, where + "scrub must be lazy (on first touch) or eager (before it runs), not '" + how + "'");
    }
    // SVE's vector length: a whole number of 128-bit granules up to 2048 bits.
    if (n["sve"] && c.integer(n["sve"], 128, 2048, v, where + "sve (the vector length in bits)")) {
        if (v % 128 != 0)
            c.error(n["sve"],
                    where + "sve must be a multiple of 128 bits (e.g. 128, 256, 512), not " + std::to_string(v));
        else
            vm.sve_bits = static_cast<unsigned>(v);
    }
    if (const YAML::Node devs = n["devices"]; devs) {
        if (!devs.IsSequence()) c.error(devs, where + "devices must be a list, e.g. [rtc]");
        for (size_t i = 0; devs.IsSequence() && i < devs.size(); ++i) {
            const std::string dev = Checker::scalar(devs[i]);
            unsigned k = 0;
            while (k < board::DEVICE_COUNT && dev != board::DEVICES[k].name) ++k;
            if (k == board::DEVICE_COUNT) {
                std::string known;
                for (const auto& d : board::DEVICES) known += std::string(known.empty() ? "" : ", ") + d.name;
                std::string message = where;
                message.append("the board has no device '").append(dev).append("' (it has: ").append(known).append(")");
                c.error(devs[i], message);
            } else {
                vm.devices |= 1u << k;
                vm.device_lines[k] = Checker::line_of(devs[i]);
            }
        }
        if (vm.is_linux && vm.devices != 0)
            c.error(devs, where + "devices for a Linux VM are not yet described in its device tree");
    }
    load_failure_policy(c, n, where, vm);
    if (const YAML::Node b = n["budget"]; b) {
        if (!b.IsMap() || !b["time_us"] || !b["period_us"]) {
            c.error(b, where + "budget needs time_us: and period_us:");
        } else {
            c.keys(b, {"time_us", "period_us"}, where + "budget: ");
            uint64_t t = 0;
            uint64_t p = 0;
            if (c.integer(b["time_us"], 1, 1'000'000'000, t, where + "budget time_us") &&
                c.integer(b["period_us"], 1, 1'000'000'000, p, where + "budget period_us")) {
                if (t > p)
                    c.error(b, where + "budget of " + std::to_string(t) + " us per " + std::to_string(p) +
                                   " us cannot be met (more than the period)");
                vm.budget_us = static_cast<uint32_t>(t);
                vm.period_us = static_cast<uint32_t>(p);
            }
        }
    }
}

/// Checks what involves several VMs: names, memory, cores.
void check_system(Checker& c, const SystemConfig& sys) {
    std::map<std::string, int> names;
    std::map<unsigned, const VmConfig*> device_owner;
    uint64_t memory = HYPERVISOR_RESERVE;
    std::vector<unsigned> per_core(256, 0);
    for (const VmConfig& vm : sys.vms) {
        if (auto [it, fresh] = names.emplace(vm.name, vm.line); !fresh && !vm.name.empty()) {
            c.error(vm.line,
                    "vm '" + vm.name + "' is declared twice (first on line " + std::to_string(it->second) + ")");
        }
        for (unsigned k = 0; k < board::DEVICE_COUNT; ++k) {
            if ((vm.devices & (1u << k)) == 0) continue;
            if (auto [it, fresh] = device_owner.emplace(k, &vm); !fresh) {
                c.error(vm.device_lines.at(k), "vm '" + vm.name + "': device " + board::DEVICES[k].name +
                                                   " is already given to vm '" + it->second->name + "' (line " +
                                                   std::to_string(it->second->device_lines.at(k)) + ")");
            }
        }
        memory += vm.memory < sys.memory ? vm.memory : sys.memory; // (no sum of sizes can wrap)
        if (memory > sys.memory || vm.memory >= sys.memory) {
            c.error(vm.line, "vm '" + vm.name + "': the VMs up to here need " + std::to_string(memory >> 20) +
                                 " MiB with the hypervisor's " + std::to_string(HYPERVISOR_RESERVE >> 20) +
                                 " MiB, but the board has " + std::to_string(sys.memory >> 20) + " MiB");
            memory -= vm.memory < sys.memory ? vm.memory : sys.memory; // report each VM that does not fit once
        }
        for (unsigned k : vm.cores) {
            if (k < per_core.size() && ++per_core[k] == MAX_VCPUS_PER_CORE + 1) {
                c.error(vm.line, "vm '" + vm.name + "': core " + std::to_string(k) + " would carry more than " +
                                     std::to_string(MAX_VCPUS_PER_CORE) + " vCPUs");
            }
        }
    }
}

/// The pieces of a message, joined.
template <class... Parts> std::string text(const std::string& first, const Parts&... rest) {
    std::string out = first;
    (out.append(rest), ...);
    return out;
}

/// The top-level `channels:` list: `{name:, between: [vm, vm], size:}` (raw),
/// `{name:, between: [vm, vm], kind: virtio-net}` or `{…, kind: virtio-console}`.
constexpr uint64_t CONSOLE_DEFAULT_SIZE = uint64_t{16} * 1024;

void load_channels(Checker& c, const YAML::Node& list, SystemConfig& sys) {
    if (!list.IsSequence()) {
        c.error(list, "channels must be a list, e.g. [{name: link, between: [a, b], size: 64K}]");
        return;
    }
    if (list.size() > tessera::vplat::MAX_CHANNELS)
        c.error(list, "at most " + std::to_string(tessera::vplat::MAX_CHANNELS) + " channels");
    std::map<std::string, int> names;
    std::vector<unsigned> per_vm(sys.vms.size(), 0);
    std::vector<unsigned> virtio_per_vm(sys.vms.size(), 0);
    for (const YAML::Node& n : list) {
        ChannelConfig ch;
        ch.line = Checker::line_of(n);
        if (!n.IsMap() || !n["name"] || !n["between"]) {
            c.error(n, "a channel needs name:, between: [vm, vm], and size: (raw) or kind: virtio-net");
            continue;
        }
        ch.name = Checker::scalar(n["name"]);
        const std::string where = "channel '" + ch.name + "': ";
        c.keys(n, {"name", "between", "size", "kind"}, where);
        if (ch.name.empty() || ch.name.size() > 31) c.error(n["name"], where + "a name of 1-31 characters");
        if (auto [it, fresh] = names.emplace(ch.name, ch.line); !fresh)
            c.error(n["name"], where + "declared twice (first on line " + std::to_string(it->second) + ")");
        if (n["kind"]) {
            const std::string kind = Checker::scalar(n["kind"]);
            if (kind == "virtio-net")
                ch.kind = ChannelConfig::Kind::virtio_net;
            else if (kind == "virtio-console")
                ch.kind = ChannelConfig::Kind::virtio_console;
            else if (kind != "raw")
                c.error(n["kind"], text(where, "kind must be raw, virtio-net or virtio-console, not '", kind, "'"));
        }
        const bool raw = ch.kind == ChannelConfig::Kind::raw;
        const bool console = ch.kind == ChannelConfig::Kind::virtio_console;
        if (raw && !n["size"]) {
            c.error(n, where + "a raw channel needs size: (its shared memory, e.g. 64K)");
        } else if (ch.kind == ChannelConfig::Kind::virtio_net && n["size"]) {
            c.error(n["size"], where + "a virtio-net channel has no shared memory (the hypervisor copies its frames): "
                                       "drop size:");
        } else if (console && !n["size"]) {
            ch.size = CONSOLE_DEFAULT_SIZE;
        } else if (n["size"] && c.size(n["size"], ch.size, where + "size")) {
            if (ch.size % 4096 != 0 || ch.size > tessera::vplat::CHANNEL_SLOT)
                c.error(n["size"], where + "size must be whole 4 KiB pages, at most 2M");
            else if (console && ch.size < CONSOLE_DEFAULT_SIZE)
                c.error(n["size"], where + "a virtio-console channel needs at least 16K (a 4 KiB message each way)");
        }
        const YAML::Node ends = n["between"];
        if (!ends.IsSequence() || ends.size() != 2) {
            c.error(ends, where + "between must name two VMs, e.g. [ping, pong]");
            continue;
        }
        bool ok = true;
        for (unsigned k = 0; k < 2; ++k) {
            const std::string vm = Checker::scalar(ends[k]);
            const auto it =
                std::find_if(sys.vms.begin(), sys.vms.end(), [&](const VmConfig& v) { return v.name == vm; });
            if (it == sys.vms.end()) {
                c.error(ends[k], text(where, "no VM is named '", vm, "'"));
                ok = false;
            } else {
                ch.vm[k] = static_cast<unsigned>(it - sys.vms.begin());
                if (raw && sys.vms[ch.vm[k]].is_linux) {
                    c.error(ends[k], text(where, "vm '", vm,
                                          "' is a Linux VM: a raw channel needs a bare-metal guest (between Linux "
                                          "VMs, use kind: virtio-net)"));
                    ok = false;
                }
            }
        }
        if (ok && ch.vm[0] == ch.vm[1]) {
            c.error(ends, where + "connects vm '" + sys.vms[ch.vm[0]].name + "' to itself");
            ok = false;
        }
        if (ok && console) {
            // The Linux VM gets the console device; the bare-metal VM serves it.
            const bool linux0 = sys.vms[ch.vm[0]].is_linux, linux1 = sys.vms[ch.vm[1]].is_linux;
            if (linux0 == linux1) {
                c.error(ends, where + "a virtio-console channel joins a Linux VM (its console) and a bare-metal VM "
                                      "(which serves it)");
                ok = false;
            } else if (linux1) {
                std::swap(ch.vm[0], ch.vm[1]);
            }
        }
        if (!ok) continue;
        for (unsigned k = 0; k < 2; ++k) {
            // A device in each end (virtio-net), in the Linux end (virtio-console); raw memory elsewhere.
            const bool device = tessera::sysimg::channel_device(ch.record_kind(), k);
            const unsigned limit = device ? tessera::vplat::MAX_VIRTIO_PER_VM : tessera::vplat::MAX_CHANNELS_PER_VM;
            if (++(device ? virtio_per_vm : per_vm)[ch.vm[k]] == limit + 1)
                c.error(ends[k], where + "vm '" + sys.vms[ch.vm[k]].name + "' would be in more than " +
                                     std::to_string(limit) + (device ? " virtio" : " raw") + " channels");
        }
        sys.channels.push_back(ch);
    }
}

/// Failover pairs: the standby named, not itself, nobody else's, without a
/// policy, channels or devices of its own (it takes its partner's); the
/// pair's channels raw or virtio-net, to others only. Links both ends.
void check_failover(Checker& c, SystemConfig& sys) {
    for (size_t i = 0; i < sys.vms.size(); ++i) {
        VmConfig& vm = sys.vms[i];
        if (vm.on_failure != tessera::sysimg::FAILURE_FAILOVER || vm.standby.empty()) continue;
        const std::string where = "vm '" + vm.name + "': ";
        const auto it =
            std::find_if(sys.vms.begin(), sys.vms.end(), [&](const VmConfig& o) { return o.name == vm.standby; });
        if (it == sys.vms.end() || it->name == vm.name) {
            c.error(vm.standby_line, where + "standby '" + vm.standby + "' is not another VM of the system");
            continue;
        }
        VmConfig& sb = *it;
        if (sb.is_standby || sb.on_failure != tessera::sysimg::FAILURE_STOP || !sb.standby.empty()) {
            c.error(vm.standby_line, where + "standby '" + sb.name +
                                         "' has a failure policy or a partner already (a standby takes its partner's)");
            continue;
        }
        if (sb.devices != 0)
            c.error(vm.standby_line, where + "standby '" + sb.name +
                                         "' owns devices: a standby owns none (it takes its partner's over)");
        const auto si = static_cast<unsigned>(it - sys.vms.begin());
        for (const ChannelConfig& ch : sys.channels) {
            const bool mine = ch.vm[0] == i || ch.vm[1] == i;
            const bool its = ch.vm[0] == si || ch.vm[1] == si;
            if (its)
                c.error(ch.line, "channel '" + ch.name + "': vm '" + sb.name +
                                     "' is a standby: its partner's channels become its own on failover");
            else if (mine && ch.kind == ChannelConfig::Kind::virtio_console)
                c.error(ch.line, "channel '" + ch.name +
                                     "': a virtio console is not handed over on failover (a pair's channels are raw "
                                     "or virtio-net)");
        }
        vm.partner = si + 1;
        sb.partner = static_cast<unsigned>(i) + 1;
        sb.is_standby = true;
        sb.on_failure = tessera::sysimg::FAILURE_FAILOVER;
        sb.max_restarts = vm.max_restarts;
        sb.restart_window_ms = vm.restart_window_ms;
        sb.restart_backoff_ms = vm.restart_backoff_ms;
    }
}

} // namespace

uint32_t ChannelConfig::record_kind() const {
    switch (kind) {
    case Kind::virtio_net: return tessera::sysimg::CHANNEL_VIRTIO_NET;
    case Kind::virtio_console: return tessera::sysimg::CHANNEL_VIRTIO_CONSOLE;
    default: return tessera::sysimg::CHANNEL_RAW;
    }
}

unsigned SystemConfig::virtio_devices(unsigned vm) const {
    // A failover standby has an (unplugged) twin of each of its partner's.
    if (vm < vms.size() && vms[vm].is_standby && vms[vm].partner != 0) return virtio_devices(vms[vm].partner - 1);
    unsigned n = 0;
    for (const ChannelConfig& ch : channels) {
        for (unsigned side = 0; side < 2; ++side)
            n += ch.vm[side] == vm && tessera::sysimg::channel_device(ch.record_kind(), side) ? 1 : 0;
    }
    return n;
}

std::vector<ConfigError> load_system(const std::string& path, const std::vector<std::string>& search,
                                     SystemConfig& out) {
    Checker c(path);
    SystemConfig sys;
    sys.file = path;
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        c.error(0, "cannot read the file");
        return c.errors();
    } catch (const YAML::ParserException& e) {
        c.error(e.mark.line + 1, "not valid YAML: " + e.msg);
        return c.errors();
    }
    if (!root.IsMap()) {
        c.error(root, "the system file must be a mapping with cores:, memory: and vms:");
        return c.errors();
    }
    c.keys(root, {"cores", "memory", "vms", "channels"}, "");
    uint64_t v = 0;
    if (root["cores"] && c.integer(root["cores"], 1, 8, v, "cores")) sys.cores = static_cast<unsigned>(v);
    if (root["memory"]) c.size(root["memory"], sys.memory, "memory");
    const YAML::Node vms = root["vms"];
    if (!vms || !vms.IsSequence() || vms.size() == 0) {
        c.error(vms ? Checker::line_of(vms) : 0, "vms: must list at least one VM");
        return c.errors();
    }
    if (vms.size() > 255) c.error(vms, "at most 255 VMs");
    const fs::path dir = fs::path(path).parent_path();
    for (const YAML::Node& n : vms) {
        VmConfig vm;
        load_vm(c, n, dir, search, sys, vm);
        sys.vms.push_back(vm);
    }
    check_system(c, sys);
    if (const YAML::Node chans = root["channels"]; chans) load_channels(c, chans, sys);
    check_failover(c, sys);
    if (c.errors().empty()) out = sys;
    std::stable_sort(c.errors().begin(), c.errors().end(),
                     [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
    return c.errors();
}

} // namespace tessera::sdk

// tessera_bench.cpp — `make bench`: runs the benchmark guest under Tessera and on bare QEMU, compares with the
// baseline.
//
// Instruction counts come from runs under QEMU -icount shift=0 (the guest's
// PMU cycle counter then counts executed instructions), so they repeat
// exactly on any machine. Wall-clock figures are only ratios of runs made
// side by side here, alternating, median of several.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace {

using Readings = std::map<std::string, double>; // BENCH name -> per-event value

struct Options {
    std::string runner;
    std::string target_dir;
    std::string baseline;
    std::string linux_dir; ///< Debian's kernel (Image), for the bare side of the Linux figure
    std::string out;
    unsigned wall_runs = 5;
    bool update_baseline = false;
    double tolerance = 0.05;
};

/// One figure of the report.
struct Figure {
    std::string key;   // JSON key
    std::string title; // what it measures, for the table
    std::string unit;
    std::optional<double> tessera, bare;
    bool gate = true; // compared with the baseline (higher is worse)
};

/// Runs `cmd` (a runner command line) and returns what it printed; exits on failure, showing it.
std::string run_command(const std::string& cmd) {
    FILE* p = popen(cmd.c_str(), "r");
    std::string log;
    char buf[4096];
    for (size_t n; p != nullptr && (n = fread(buf, 1, sizeof buf, p)) > 0;) log.append(buf, n);
    if (p == nullptr || pclose(p) != 0) {
        std::cerr << log << "\ntessera-bench: the run failed: " << cmd << "\n";
        std::exit(2);
    }
    return log;
}

/// Runs a benchmark image once and returns the console output; exits on failure.
/// `system` names a system image; bare runs use the benchmark guest's ELF.
/// `nvram`: the board's flash file (the anti-rollback counter), if any.
std::string run(const Options& o, bool hypervisor, bool icount, const std::string& system = "bench_guest",
                const std::string& nvram = "") {
    const std::string image =
        hypervisor ? o.target_dir + "/systems/" + system + ".img" : o.target_dir + "/guests/guest_bench.elf";
    const std::string machine = hypervisor ? "virt,virtualization=on,gic-version=3" : "virt,gic-version=3";
    const std::string cmd = o.runner + " --live --timeout 300 --machine " + machine + (icount ? " --icount " : " ") +
                            (nvram.empty() ? "" : "--nvram " + nvram + " ") + "--expect 'BENCH done' " + image +
                            " </dev/null 2>&1";
    return run_command(cmd);
}

/// Boots Debian's kernel under -icount — in the bench_linux system, or on bare
/// QEMU with the same initramfs and command line — and runs syscall-bench.
std::string run_linux(const Options& o, bool hypervisor) {
    const std::string initrd = o.target_dir + "/systems/linux-initrd.gz";
    const std::string target = hypervisor ? o.target_dir + "/systems/bench_linux.img"
                                          : o.linux_dir + "/Image --initrd " + initrd +
                                                " --append 'console=ttyAMA0 nokaslr' --machine virt,gic-version=3";
    const std::string cmd = o.runner + " --live --timeout 300 --icount --smp 2 -m 1G " + target +
                            " --send-after 'tessera-linux: ready' 'syscall-bench 20000\\n'" +
                            " --send-after 'BENCH getppid' 'poweroff -f\\n' --expect 'BENCH getppid' </dev/null 2>&1";
    return run_command(cmd);
}

/// Two Linux VMs joined by a virtio-net link (bench_net) under -icount: TCP
/// over loopback inside linux-a first, then between the two VMs, with
/// guests/linux/net_bench.c; then 20 pings. The console is handed from one
/// VM to the other with Ctrl-T as a person would.
std::string run_net(const Options& o) {
    const std::string cmd =
        o.runner + " --live --timeout 300 --icount --smp 2 -m 1G " + o.target_dir + "/systems/bench_net.img" +
        " --send-after '[linux-a] tessera-linux: ready' '\\n'"
        " --send-after '[linux-a] / # ' 'net-bench serve 5001 \\x26 sleep 1\\x3b"
        " net-bench bulk 127.0.0.1 5001 8 loopback\\x3b net-bench rtt 127.0.0.1 5001 1000 loopback\\x3b"
        " until ping -c 1 -W 2 10.0.0.2 >/dev/null\\x3b do :\\x3b done\\x3b echo a-sees-b-$((6*7))\\n'"
        " --send-after 'a-sees-b-42' '\\x142'"
        " --send-after 'input goes to vm linux-b' 'net-bench serve 5001 \\x26\\n'"
        " --send-after 'net-bench: serving on port 5001' '\\x141'"
        " --send-after 'input goes to vm linux-a' 'net-bench bulk 10.0.0.2 5001 8 link\\x3b"
        " net-bench rtt 10.0.0.2 5001 1000 link\\x3b ping -c 20 10.0.0.2\\n'"
        " --send-after 'round-trip' 'poweroff -f\\n' --send-after 'vm linux-a: powered off' 'poweroff -f\\n'"
        " --expect 'BENCH net_bulk_link' --expect 'round-trip' </dev/null 2>&1";
    return run_command(cmd);
}

/// busybox ping's average round trip ("round-trip min/avg/max = a/b/c ms"), in ns.
std::optional<double> ping_avg_ns(const std::string& log) {
    const size_t at = log.find("round-trip min/avg/max = ");
    if (at == std::string::npos) return std::nullopt;
    const size_t slash = log.find('/', at + 25);
    if (slash == std::string::npos) return std::nullopt;
    return std::stod(log.substr(slash + 1)) * 1e6;
}

/// "BENCH <name> <total> <count>" lines, as total / count.
Readings parse_bench(const std::string& log) {
    Readings r;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        const size_t at = line.find("BENCH ");
        if (at == std::string::npos) continue;
        std::istringstream f(line.substr(at + 6));
        std::string name;
        double total = 0;
        double count = 0;
        if (f >> name >> total >> count && count > 0) r[name] = total / count;
    }
    return r;
}

/// The number after `label` on the first line that has it.
std::optional<double> number_after(const std::string& log, const std::string& label) {
    const size_t at = log.find(label);
    if (at == std::string::npos) return std::nullopt;
    return std::stod(log.substr(at + label.size()));
}

/// The virtio module's code and rodata, from the boot log's "virtio module: code N, rodata M bytes".
std::optional<double> virtio_module_bytes(const std::string& log) {
    const auto code = number_after(log, "virtio module: code ");
    const size_t at = log.find("virtio module: code ");
    if (!code || at == std::string::npos) return std::nullopt;
    const auto rodata = number_after(log.substr(at), "rodata ");
    return rodata ? std::optional<double>(*code + *rodata) : std::nullopt;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::optional<double> get(const Readings& r, const std::string& k) {
    auto it = r.find(k);
    return it == r.end() ? std::nullopt : std::optional<double>(it->second);
}

std::vector<Figure> measure(const Options& o) {
    std::cerr << "tessera-bench: instruction counts (-icount shift=0)...\n";
    const std::string hyp_log = run(o, true, true);
    const Readings hyp = parse_bench(hyp_log);
    const Readings bare = parse_bench(run(o, false, true));
    const Readings sched = parse_bench(run(o, true, true, "bench_switch"));
    const Readings chan = parse_bench(run(o, true, true, "bench_channel"));
    // The signed boot on a board that has booted this version before (its
    // counter set, as on every boot but the first): a new flash file, one
    // boot to raise the counter, then the measured one.
    const std::string board = o.target_dir + "/bench-board.nvram";
    std::remove(board.c_str());
    (void)run(o, true, true, "bench_guest_signed", board);
    const Readings signed_boot = parse_bench(run(o, true, true, "bench_guest_signed", board));
    const Readings restart = parse_bench(run(o, true, true, "bench_restart"));
    const Readings failover = parse_bench(run(o, true, true, "bench_failover"));
    std::cerr << "tessera-bench: a Linux guest's system calls (-icount), under Tessera and bare...\n";
    const Readings linux_hyp = parse_bench(run_linux(o, true));
    const Readings linux_bare = parse_bench(run_linux(o, false));
    std::cerr << "tessera-bench: TCP between two Linux VMs over virtio-net, and over loopback (-icount)...\n";
    const std::string net_log = run_net(o);
    const Readings net = parse_bench(net_log);

    std::cerr << "tessera-bench: wall time, " << o.wall_runs << " alternating runs each...\n";
    std::vector<double> hyp_wall, bare_wall;
    for (unsigned i = 0; i < o.wall_runs; ++i) {
        hyp_wall.push_back(parse_bench(run(o, true, false)).at("workload"));
        bare_wall.push_back(parse_bench(run(o, false, false)).at("workload"));
    }

    std::vector<Figure> f;
    f.push_back({"null_hvc", "null hypercall round trip (hvc PSCI_VERSION to return)", "instructions",
                 get(hyp, "null_hvc"), get(bare, "null_hvc")});
    f.push_back({"mmio_read", "trapped MMIO round trip (read of GICD_TYPER)", "instructions", get(hyp, "mmio_read"),
                 get(bare, "mmio_read")});
    f.push_back({"irq_latency", "virtual timer fires -> guest IRQ handler entry", "instructions",
                 get(hyp, "irq_latency"), get(bare, "irq_latency")});
    f.push_back({"self_ipi", "self-IPI (ICC_SGI1R write -> its IRQ handler entry)", "instructions",
                 get(hyp, "self_ipi"), get(bare, "self_ipi")});
    f.push_back({"vcpu_switch", "vCPU hand-off on a shared core (SGI, WFI, switch, IRQ)", "instructions",
                 get(sched, "vcpu_switch"), std::nullopt});
    f.push_back({"wake_latency", "blocked vCPU woken by SGI -> its IRQ handler", "instructions",
                 get(sched, "wake_latency"), std::nullopt});
    f.push_back({"doorbell_latency", "channel doorbell -> the peer's handler, on another core", "instructions",
                 get(chan, "doorbell_latency"), std::nullopt});
    f.push_back({"channel_round_trip", "raw-channel message round trip between two VMs on two cores", "instructions",
                 get(chan, "channel_round_trip"), std::nullopt});
    f.push_back({"workload", "guest workload (4 MiB scattered hash)", "instructions", get(hyp, "workload"),
                 get(bare, "workload")});
    f.push_back({"workload_wall", "guest workload wall time (median, host-dependent)", "ms", median(hyp_wall) / 1e6,
                 median(bare_wall) / 1e6, false});
    f.push_back({"workload_wall_ratio", "guest workload wall time, Tessera / bare", "ratio",
                 median(hyp_wall) / median(bare_wall), 1.0, false});
    f.push_back({"guest_syscall", "Linux guest getppid() system call (ns of -icount time)", "instructions",
                 get(linux_hyp, "getppid_ns"), get(linux_bare, "getppid_ns")});
    f.push_back({"net_bulk_link", "virtio-net: bulk TCP between two Linux VMs, per KiB", "instructions",
                 get(net, "net_bulk_link"), std::nullopt});
    f.push_back({"net_bulk_loopback", "the same over loopback inside one Linux VM, per KiB", "instructions",
                 get(net, "net_bulk_loopback"), std::nullopt});
    std::optional<double> bulk_ratio;
    if (get(net, "net_bulk_link") && get(net, "net_bulk_loopback"))
        bulk_ratio = *get(net, "net_bulk_link") / *get(net, "net_bulk_loopback");
    f.push_back(
        {"net_bulk_ratio", "virtio-net bulk TCP / loopback, per byte (goal <= 2)", "ratio", bulk_ratio, std::nullopt});
    f.push_back({"net_rtt_link", "virtio-net: 1-byte TCP round trip between two Linux VMs", "instructions",
                 get(net, "net_rtt_link"), std::nullopt});
    f.push_back({"net_rtt_loopback", "the same over loopback inside one Linux VM", "instructions",
                 get(net, "net_rtt_loopback"), std::nullopt});
    f.push_back({"net_ping", "virtio-net: ping round trip (busybox ping, mean of 20)", "instructions",
                 ping_avg_ns(net_log), std::nullopt});
    f.push_back({"boot_to_guest", "reset -> first guest instruction (all cores)", "instructions",
                 get(hyp, "boot_to_guest"), get(bare, "boot_to_guest")});
    std::optional<double> verify;
    if (get(signed_boot, "boot_to_guest") && get(hyp, "boot_to_guest"))
        verify = *get(signed_boot, "boot_to_guest") - *get(hyp, "boot_to_guest");
    f.push_back({"secure_boot_verify", "secured boot: checking the signed image (signed boot - unsigned)",
                 "instructions", verify, std::nullopt});
    f.push_back({"restart_to_guest", "failed VM (2 MiB) -> its restarted first instruction", "instructions",
                 get(restart, "restart_to_guest"), std::nullopt});
    f.push_back({"failover_to_active", "pair's active VM fails -> its standby runs as the active one", "instructions",
                 get(failover, "failover_to_active"), std::nullopt});
    f.push_back({"el2_code", "EL2 resident code", "bytes", number_after(hyp_log, "resident code "), std::nullopt});
    f.push_back({"el2_rodata", "EL2 read-only data", "bytes", number_after(hyp_log, "rodata "), std::nullopt});
    f.push_back({"el2_data", "EL2 data", "bytes", number_after(hyp_log, " data "), std::nullopt});
    f.push_back({"el2_bss", "EL2 bss", "bytes", number_after(hyp_log, "bss "), std::nullopt});
    f.push_back({"el2_boot_code", "boot-only code (not reached once guests run)", "bytes",
                 number_after(hyp_log, "boot-only code "), std::nullopt});
    f.push_back({"virtio_module", "virtio module, resident (code + rodata), counted apart", "bytes",
                 virtio_module_bytes(hyp_log), std::nullopt});
    f.push_back({"per_vm", "hypervisor memory per VM (+ stage-2 tables)", "bytes", number_after(hyp_log, "per VM "),
                 std::nullopt});
    f.push_back({"per_vcpu", "hypervisor memory per vCPU", "bytes", number_after(hyp_log, "per vCPU "), std::nullopt});
    return f;
}

std::string cell(std::optional<double> v, int decimals = 0) {
    if (!v) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, *v);
    return buf;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"Measure Tessera: path lengths, guest overhead, footprint; compare with the baseline."};
    app.add_option("--runner", o.runner, "tessera-qemu-run")->required();
    app.add_option("--target-dir", o.target_dir, "the AArch64 build directory")->required();
    app.add_option("--baseline", o.baseline, "baseline JSON to compare with")->required();
    app.add_option("--out", o.out, "where to write this run's JSON")->required();
    app.add_option("--linux-dir", o.linux_dir, "Debian's kernel, as scripts/fetch-linux.sh unpacked it")->required();
    app.add_option("--wall-runs", o.wall_runs, "wall-clock runs of each side")->check(CLI::Range(1, 51));
    app.add_flag("--update-baseline", o.update_baseline, "write this run's figures as the new baseline");
    CLI11_PARSE(app, argc, argv);

    const std::vector<Figure> figures = measure(o);
    nlohmann::json baseline;
    if (std::ifstream in(o.baseline); in) {
        try {
            baseline = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
            std::cerr << "tessera-bench: " << o.baseline << ": " << e.what() << "\n";
            return 2;
        }
    }

    nlohmann::json out = nlohmann::json::object();
    unsigned worse = 0;
    std::printf("%-58s %-12s %12s %12s %12s %12s %10s\n", "figure", "unit", "Tessera", "bare QEMU", "difference",
                "baseline", "change");
    for (const Figure& f : figures) {
        nlohmann::json entry = {{"what", f.title}, {"unit", f.unit}};
        entry["tessera"] = f.tessera ? nlohmann::json(*f.tessera) : nlohmann::json(nullptr);
        entry["bare"] = f.bare ? nlohmann::json(*f.bare) : nlohmann::json(nullptr);
        out[f.key] = entry;
        std::optional<double> base;
        if (baseline.contains(f.key) && baseline[f.key]["tessera"].is_number())
            base = baseline[f.key]["tessera"].get<double>();
        std::string change = "-";
        if (f.tessera && base && *base > 0) {
            const double rel = *f.tessera / *base - 1;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%+.1f%%", 100 * rel);
            change = buf;
            if (f.gate && rel > o.tolerance) {
                change += " WORSE";
                ++worse;
            }
        }
        // Path lengths are averages over many events: one decimal.
        const bool path = f.unit == "instructions" && f.key != "workload" && f.key != "boot_to_guest";
        const int decimals = f.unit == "ratio" ? 2 : (path || f.unit == "ms" ? 1 : 0);
        std::optional<double> diff;
        if (f.tessera && f.bare && f.unit != "ratio") diff = *f.tessera - *f.bare;
        std::printf("%-58s %-12s %12s %12s %12s %12s %10s\n", f.title.c_str(), f.unit.c_str(),
                    cell(f.tessera, decimals).c_str(), cell(f.bare, decimals).c_str(), cell(diff, decimals).c_str(),
                    cell(base, decimals).c_str(), change.c_str());
    }
    std::ofstream(o.out) << out.dump(2) << "\n";
    std::printf("\nwritten: %s\n", o.out.c_str());
    if (o.update_baseline) {
        std::ofstream(o.baseline) << out.dump(2) << "\n";
        std::printf("baseline updated: %s\n", o.baseline.c_str());
        return 0;
    }
    if (worse > 0) {
        std::printf("%u figure(s) got worse by more than %.0f%% against %s\n", worse, 100 * o.tolerance,
                    o.baseline.c_str());
        return 1;
    }
    std::printf("no figure got worse by more than %.0f%% against %s\n", 100 * o.tolerance, o.baseline.c_str());
    return 0;
}

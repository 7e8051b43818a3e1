// qemu_runner.cpp — boots an image in QEMU and judges the console: the system-test runner and `make run`.
//
// A scenario passes when QEMU powers itself off within the timeout and the
// console shows every expected line fragment and none of the rejected ones.
// On failure the whole console log is printed with the reason.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace {

struct Options {
    std::string image;
    std::string qemu = "qemu-system-aarch64";
    std::string cpu = "cortex-a57";
    unsigned smp = 4;
    std::string memory = "512M";
    double timeout = 60;
    bool live = false;
    bool require_clean = false;
    bool icount = false;
    std::vector<std::string> expect;
    std::vector<std::string> reject;
    std::vector<std::string> reject_after; // pairs: marker, text
};

struct Outcome {
    std::string log;
    bool timed_out = false;
    int status = 0;
};

std::vector<std::string> qemu_command(const Options& o) {
    std::vector<std::string> cmd = {o.qemu,
                                    "-M",
                                    "virt,virtualization=on,gic-version=3",
                                    "-cpu",
                                    o.cpu,
                                    "-smp",
                                    std::to_string(o.smp),
                                    "-m",
                                    o.memory,
                                    "-display",
                                    "none",
                                    "-monitor",
                                    "none",
                                    "-nodefaults",
                                    "-serial",
                                    "stdio",
                                    "-kernel",
                                    o.image};
    if (o.icount) {
        cmd.emplace_back("-icount");
        cmd.emplace_back("shift=0,sleep=off");
    }
    return cmd;
}

/// Runs QEMU, collecting its output until it exits or `timeout` passes.
Outcome run_qemu(const Options& o) {
    Outcome out;
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        perror("pipe");
        std::exit(3);
    }
    const std::vector<std::string> cmd = qemu_command(o);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        setpgid(0, 0);
        std::vector<char*> argv;
        argv.reserve(cmd.size() + 1);
        for (const auto& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        perror(argv[0]);
        _exit(127);
    }
    close(pipefd[1]);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.timeout);
    char buf[4096];
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            out.timed_out = true;
            break;
        }
        pollfd p{pipefd[0], POLLIN, 0};
        const int r = poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (r < 0) continue;
        if (r == 0) continue;
        const ssize_t n = read(pipefd[0], buf, sizeof buf);
        if (n <= 0) break; // QEMU closed its output: it has exited
        std::string chunk;
        for (ssize_t i = 0; i < n; ++i) {
            if (buf[i] != '\r') chunk += buf[i];
        }
        out.log += chunk;
        if (o.live) {
            std::cout << chunk << std::flush;
        }
    }
    if (out.timed_out) kill(-pid, SIGKILL);
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    out.status = status;
    return out;
}

/// Every reason the run failed; empty if it passed.
std::vector<std::string> judge(const Options& o, const Outcome& r) {
    std::vector<std::string> why;
    if (r.timed_out)
        why.push_back("timed out after " + std::to_string(o.timeout) + " s (QEMU did not power off)");
    else if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
        why.push_back("QEMU failed to run");
    for (const auto& e : o.expect) {
        if (r.log.find(e) == std::string::npos) why.push_back("missing: \"" + e + "\"");
    }
    for (const auto& e : o.reject) {
        if (r.log.find(e) != std::string::npos) why.push_back("present but must not be: \"" + e + "\"");
    }
    for (size_t i = 0; i + 1 < o.reject_after.size(); i += 2) {
        const auto at = r.log.find(o.reject_after[i]);
        if (at == std::string::npos) {
            why.push_back("missing: \"" + o.reject_after[i] + "\"");
        } else if (r.log.find(o.reject_after[i + 1], at) != std::string::npos) {
            why.push_back("\"" + o.reject_after[i + 1] + "\" appears after \"" + o.reject_after[i] + "\"");
        }
    }
    if (o.require_clean && r.log.find("VMs ended cleanly") == std::string::npos) {
        why.push_back("the hypervisor did not report that every VM ended cleanly");
    }
    return why;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"Boot a Tessera image in QEMU (virt, EL2, GICv3) and check its console output."};
    app.add_option("image", o.image, "bootable image (.bin, an arm64 Image)")->required()->check(CLI::ExistingFile);
    app.add_option("--qemu", o.qemu, "QEMU binary");
    app.add_option("--cpu", o.cpu, "CPU model");
    app.add_option("--smp", o.smp, "number of cores")->check(CLI::Range(1, 64));
    app.add_option("-m,--memory", o.memory, "RAM size");
    app.add_option("--timeout", o.timeout, "seconds before the run counts as hung");
    app.add_option("--expect", o.expect, "text that must appear on the console (repeatable)");
    app.add_option("--reject", o.reject, "text that must not appear (repeatable)");
    app.add_option("--reject-after", o.reject_after, "MARKER TEXT: TEXT must not appear after MARKER")
        ->expected(2)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--live", o.live, "stream the console while it runs");
    app.add_flag("--require-clean", o.require_clean, "fail unless every VM ended cleanly");
    app.add_flag("--icount", o.icount, "deterministic instruction counting (-icount shift=0,sleep=off)");
    CLI11_PARSE(app, argc, argv);

    const Outcome r = run_qemu(o);
    const std::vector<std::string> why = judge(o, r);
    if (why.empty()) return 0;
    if (!o.live) {
        std::cout << "---- console log of " << o.image << " ----\n" << r.log << "---- end of console log ----\n";
    }
    for (const auto& w : why) std::cout << "FAIL: " << w << "\n";
    return r.timed_out ? 2 : 1;
}

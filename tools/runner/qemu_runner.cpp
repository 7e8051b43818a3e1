// qemu_runner.cpp — boots an image in QEMU and judges the console: the system-test runner and `make run`.
//
// A scenario passes when QEMU powers itself off within the timeout and the
// console shows every expected line fragment and none of the rejected ones.
// On failure the whole console log is printed with the reason.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "console_log.hpp"
#include "terminal.hpp"

namespace {

using namespace tessera;

struct Options {
    std::string image;
    std::string qemu = "qemu-system-aarch64";
    std::string machine = "virt,virtualization=on,gic-version=3";
    std::string cpu = "cortex-a57";
    unsigned smp = 4;
    std::string memory = "512M";
    double timeout = 0; ///< seconds; 0: none
    bool live = false;
    bool batch = false;
    bool require_clean = false;
    bool expect_failure = false;
    bool icount = false;
    std::string initrd; // bare Linux runs (for comparisons)
    std::string append;
    std::string time_to;  // report seconds until this text first appears
    std::string nvram;    // the board's second flash bank, kept between runs
    std::string log_file; // where the whole console log goes (for scripts that read it)
    std::string trace;    // QEMU's log of every instruction executed goes here (scripts/bench_breakdown.py)
    std::vector<std::string> expect;
    std::vector<std::string> reject;
    std::vector<std::string> reject_after; // pairs: marker, text
    std::vector<std::string> send_after;   // pairs: marker, keystrokes
    std::vector<std::string> expect_count; // pairs: text, how many times
};

/// "\n", "\r", "\t", "\\" and "\xHH" in a --send-after text become bytes.
std::string unescape(const std::string& in) {
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '\\' || i + 1 == in.size()) {
            out += in[i];
            continue;
        }
        const char c = in[++i];
        if (c == 'n')
            out += '\n';
        else if (c == 'r')
            out += '\r';
        else if (c == 't')
            out += '\t';
        else if (c == 'x' && i + 2 < in.size()) {
            out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else
            out += c;
    }
    return out;
}

size_t count_of(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + needle.size())) ++n;
    return n;
}

struct Outcome {
    std::string log;
    double time_to = -1; // seconds until Options::time_to appeared, -1 if it did not
    bool timed_out = false;
    bool quit_forced = false; ///< Ctrl-T x was typed and QEMU had to be stopped by the runner
    int status = 0;
};

std::vector<std::string> qemu_command(const Options& o) {
    std::vector<std::string> cmd = {o.qemu,    "-M",     o.machine,  "-cpu", o.cpu,      "-smp", std::to_string(o.smp),
                                    "-m",      o.memory, "-display", "none", "-monitor", "none", "-nodefaults",
                                    "-serial", "stdio",  "-kernel",  o.image};
    if (!o.initrd.empty()) {
        cmd.emplace_back("-initrd");
        cmd.emplace_back(o.initrd);
    }
    if (!o.append.empty()) {
        cmd.emplace_back("-append");
        cmd.emplace_back(o.append);
    }
    if (!o.nvram.empty()) {
        std::string file = o.nvram; // QEMU's option syntax: a comma in a value is written twice
        for (size_t at = file.find(','); at != std::string::npos; at = file.find(',', at + 2)) file.insert(at, ",");
        cmd.emplace_back("-drive");
        cmd.emplace_back("if=pflash,unit=1,format=raw,file=" + file);
    }
    if (o.icount) {
        cmd.emplace_back("-icount");
        cmd.emplace_back("shift=0,sleep=off");
    }
    if (!o.trace.empty()) { // one instruction per translation block, each logged as it runs
        for (const char* a : {"-singlestep", "-d", "exec,nochain", "-D"}) cmd.emplace_back(a);
        cmd.emplace_back(o.trace);
    }
    return cmd;
}

/// QEMU virt's flash banks are 64 MiB, and QEMU wants the file to be exactly that.
constexpr off_t NVRAM_BYTES = 64 << 20;

/// Makes `path` a flash bank if it is not one yet: 64 MiB, sparse. Its
/// zeros read as no counter record, so a new board starts at counter 0.
/// Returns what is wrong, or an empty string.
std::string prepare_nvram(const std::string& path) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0) return path + ": " + std::strerror(errno);
    struct stat st {};
    std::string why;
    if (fstat(fd, &st) != 0) {
        why = path + ": " + std::strerror(errno);
    } else if (st.st_size == 0) {
        if (ftruncate(fd, NVRAM_BYTES) != 0) why = path + ": " + std::strerror(errno);
    } else if (st.st_size != NVRAM_BYTES) {
        why = path + " is " + std::to_string(st.st_size) + " bytes, not a 64 MiB flash bank";
    }
    close(fd);
    return why;
}

/// Writes all of `bytes` to `fd` (a terminal or a pipe that blocks).
void write_all(int fd, const char* bytes, size_t n) {
    while (n > 0) {
        const ssize_t w = write(fd, bytes, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        bytes += w;
        n -= static_cast<size_t>(w);
    }
}

/// Watches typed keys for the console's quit escape, Ctrl-T x (the
/// hypervisor powers the board off; the runner only makes sure it happens).
class QuitWatch {
public:
    /// True when `k` completes Ctrl-T x.
    bool saw_quit(char k) {
        if (escape_) {
            escape_ = false;
            return k == 'x';
        }
        escape_ = k == ESCAPE;
        return false;
    }

private:
    static constexpr char ESCAPE = 0x14;
    bool escape_ = false;
};

/// How long the hypervisor gets to power off after Ctrl-T x before the runner stops QEMU itself.
constexpr auto QUIT_GRACE = std::chrono::seconds(5);

/// Runs QEMU, collecting its output until it exits or `timeout` passes.
/// Interactive runs hand the keyboard to the console (raw terminal) and show
/// every byte as it comes; scripted runs type --send-after keys.
Outcome run_qemu(const Options& o, bool interactive) {
    Outcome out;
    int pipefd[2];
    int inpipe[2];
    if (pipe(pipefd) != 0 || pipe(inpipe) != 0) {
        perror("pipe");
        std::exit(3);
    }
    signal(SIGPIPE, SIG_IGN); // QEMU may exit while keys are on their way
    const std::vector<std::string> cmd = qemu_command(o);
    const pid_t runner_pid = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
        // QEMU dies with the runner, however the runner dies (killed by a
        // test harness, say): its own process group keeps it from the
        // terminal's signals, so nothing else would stop it.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != runner_pid) _exit(1);
        // QEMU never owns the terminal: its serial line is these two pipes,
        // so it cannot be stopped by job control or change the terminal.
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        dup2(inpipe[0], STDIN_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        close(inpipe[0]);
        close(inpipe[1]);
        setpgid(0, 0);
        std::vector<char*> argv;
        argv.reserve(cmd.size() + 1);
        for (const auto& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        perror(argv[0]);
        _exit(127);
    }
    setpgid(pid, pid); // (also here: whichever of the two runs first)
    runner::cleanup_on_exit(pid);
    close(pipefd[1]);
    close(inpipe[0]);
    const bool keyboard = interactive && runner::terminal_make_raw(STDIN_FILENO);
    // A run started in the background of a terminal cannot have the
    // keyboard; it still shows what the board prints.
    const bool show_rows = o.live || (interactive && !keyboard);
    size_t shown = 0; // rows printed so far (show_rows), up to a row's end
    if (keyboard) fcntl(inpipe[1], F_SETFL, fcntl(inpipe[1], F_GETFL) | O_NONBLOCK);
    bool stdin_open = keyboard;
    std::string keys; // typed, not yet taken by QEMU
    QuitWatch quit;
    std::optional<std::chrono::steady_clock::time_point> quit_by;
    size_t next_send = 0;   // index into send_after pairs
    size_t search_from = 0; // markers are looked for after the previous one
    runner::ConsoleLog screen;
    const auto started = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (o.timeout > 0)
        deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(o.timeout));
    char buf[4096];
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        if (deadline && now >= *deadline) {
            out.timed_out = true;
            break;
        }
        if (quit_by && now >= *quit_by) {
            out.quit_forced = true;
            break;
        }
        pollfd p[3] = {{pipefd[0], POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLOUT, 0}};
        if (stdin_open) p[1].fd = STDIN_FILENO;
        if (!keys.empty()) p[2].fd = inpipe[1];
        if (poll(p, 3, 200) <= 0) continue;
        if (p[1].revents != 0) {
            const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n <= 0) {
                stdin_open = false; // the terminal went away: QEMU runs on
            } else {
                for (ssize_t i = 0; i < n; ++i) {
                    if (quit.saw_quit(buf[i]) && !quit_by) quit_by = std::chrono::steady_clock::now() + QUIT_GRACE;
                }
                keys.append(buf, static_cast<size_t>(n));
            }
        }
        if (p[2].revents != 0) {
            const ssize_t w = write(inpipe[1], keys.data(), keys.size());
            if (w > 0) keys.erase(0, static_cast<size_t>(w));
        }
        if (p[0].revents == 0) continue;
        const ssize_t n = read(pipefd[0], buf, sizeof buf);
        if (n <= 0) break; // QEMU closed its output: it has exited
        const std::string& log = screen.text();
        screen.append(buf, static_cast<size_t>(n));
        // Only the unfinished last row can change (a redraw, an erasure):
        // keep searches from starting beyond what the screen now holds.
        const size_t last_row = log.rfind('\n') == std::string::npos ? 0 : log.rfind('\n') + 1;
        if (search_from > log.size()) search_from = last_row;
        if (!o.time_to.empty() && out.time_to < 0 && log.find(o.time_to) != std::string::npos) {
            out.time_to = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        }
        if (keyboard) {
            write_all(STDOUT_FILENO, buf, static_cast<size_t>(n)); // as sent: the terminal draws it
        } else if (show_rows && last_row > shown) {
            std::cout << log.substr(shown, last_row - shown) << std::flush; // whole rows: they no longer change
            shown = last_row;
        }
        while (next_send + 1 < o.send_after.size()) {
            const auto at = log.find(o.send_after[next_send], search_from);
            if (at == std::string::npos) break;
            search_from = at + o.send_after[next_send].size();
            const std::string typed = unescape(o.send_after[next_send + 1]);
            // Type like a person would: look at the prompt first (a shell may
            // still be setting up its terminal), then key by key.
            usleep(300'000);
            for (char k : typed) {
                if (write(inpipe[1], &k, 1) != 1) break;
                usleep(2000);
            }
            next_send += 2;
        }
    }
    out.log = screen.text();
    if (show_rows && !keyboard && out.log.size() > shown) std::cout << out.log.substr(shown) << std::flush;
    if (out.timed_out || out.quit_forced) kill(-pid, SIGKILL);
    close(pipefd[0]);
    close(inpipe[1]);
    int status = 0;
    waitpid(pid, &status, 0);
    runner::terminal_restore();
    out.status = status;
    return out;
}

/// Whether a row the hypervisor printed ("[tessera] ...") contains `text`.
/// Guests cannot forge one: every row of theirs starts with their own tag
/// (and no VM may be called "tessera").
bool hypervisor_said(const std::string& log, const std::string& text) {
    static const std::string TAG = "[tessera] ";
    for (size_t at = log.find(TAG); at != std::string::npos; at = log.find(TAG, at + TAG.size())) {
        if (at != 0 && log[at - 1] != '\n') continue;
        const size_t end = log.find('\n', at);
        if (log.substr(at, end == std::string::npos ? std::string::npos : end - at).find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

/// Every reason the run failed; empty if it passed.
std::vector<std::string> judge(const Options& o, const Outcome& r) {
    std::vector<std::string> why;
    const bool user_quit = hypervisor_said(r.log, "powering off at the user's request");
    if (r.timed_out)
        why.push_back("timed out after " + std::to_string(o.timeout) + " s (QEMU did not power off)");
    else if (r.quit_forced)
        why.push_back("the board did not power off within 5 s of Ctrl-T x; QEMU was stopped");
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
    for (size_t i = 0; i + 1 < o.expect_count.size(); i += 2) {
        const size_t want = std::stoul(o.expect_count[i + 1]);
        const size_t got = count_of(r.log, o.expect_count[i]);
        if (got != want) {
            why.push_back("\"" + o.expect_count[i] + "\" appears " + std::to_string(got) + " times, not " +
                          std::to_string(want));
        }
    }
    // The hypervisor's verdict: a VM that failed, or a panic, fails the run
    // whatever else was asked (a board has no exit status; this is its).
    const bool board_failed = hypervisor_said(r.log, "VMs failed") || hypervisor_said(r.log, "PANIC");
    if (board_failed && !o.expect_failure) {
        why.push_back("the board ended in failure (a VM failed or the hypervisor panicked)");
    } else if (!board_failed && o.expect_failure && !r.timed_out) {
        why.push_back("the board was to end in failure (--expect-failure) but did not");
    }
    // Powering off with Ctrl-T x is the user's choice, not a failure.
    if (o.require_clean && !user_quit && !hypervisor_said(r.log, "VMs ended cleanly")) {
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
    app.add_option("--machine", o.machine, "QEMU machine (without virtualization=on, an image starts at EL1)");
    app.add_option("--smp", o.smp, "number of cores")->check(CLI::Range(1, 64));
    app.add_option("-m,--memory", o.memory, "RAM size");
    app.add_option("--timeout", o.timeout, "seconds before the run counts as hung (default: no limit)");
    app.add_option("--expect", o.expect, "text that must appear on the console (repeatable; \\n, \\xHH escapes)");
    app.add_option("--reject", o.reject, "text that must not appear (repeatable)");
    app.add_option("--reject-after", o.reject_after, "MARKER TEXT: TEXT must not appear after MARKER")
        ->expected(2)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--send-after", o.send_after, "MARKER KEYS: type KEYS (\\n, \\xHH escapes) once MARKER appears")
        ->expected(2)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--expect-count", o.expect_count, "TEXT N: TEXT appears exactly N times")
        ->expected(2)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--live", o.live, "stream the console while it runs (always, when the keyboard is the console's)");
    app.add_flag("--batch", o.batch, "never take the keyboard, even on a terminal");
    app.add_option("--initrd", o.initrd, "initramfs for a bare Linux kernel given as the image");
    app.add_option("--append", o.append, "kernel command line for a bare Linux kernel");
    app.add_option("--time-to", o.time_to, "print the seconds from QEMU's start until this text appears");
    app.add_flag("--require-clean", o.require_clean, "fail unless every VM ended cleanly");
    app.add_flag("--expect-failure", o.expect_failure,
                 "the scenario ends in a failed VM or a hypervisor panic on purpose (else either fails the run)");
    app.add_option("--log", o.log_file, "write the whole console log to this file (for a script to read)");
    app.add_option("--nvram", o.nvram,
                   "the board's non-volatile flash (QEMU's second pflash bank): a 64 MiB file, made if missing and "
                   "kept between runs; it holds the security-version counter");
    app.add_flag("--icount", o.icount, "deterministic instruction counting (-icount shift=0,sleep=off)");
    app.add_option("--trace", o.trace,
                   "log every executed instruction's address to this file or FIFO (slow; for "
                   "scripts/bench_breakdown.py)");
    CLI11_PARSE(app, argc, argv);
    // Texts to look for take the same escapes as keys to type ("\n" ends a row).
    for (auto& e : o.expect) e = unescape(e);
    for (auto& e : o.reject) e = unescape(e);
    for (size_t i = 0; i < o.expect_count.size(); i += 2) o.expect_count[i] = unescape(o.expect_count[i]);
    if (!o.nvram.empty()) {
        if (const std::string why = prepare_nvram(o.nvram); !why.empty()) {
            std::cerr << "tessera-qemu-run: --nvram " << why << "\n";
            return 3;
        }
    }

    // On a terminal, with no keys to type for a script, the user's keyboard
    // is the board's serial console.
    const bool interactive = !o.batch && o.send_after.empty() && isatty(STDIN_FILENO);
    const Outcome r = run_qemu(o, interactive);
    if (!o.log_file.empty()) {
        std::ofstream(o.log_file, std::ios::binary) << r.log;
    }
    std::vector<std::string> why = judge(o, r);
    if (!o.time_to.empty()) {
        if (r.time_to < 0)
            why.push_back("missing: \"" + o.time_to + "\"");
        else
            std::cout << "time-to \"" << o.time_to << "\": " << r.time_to << " s\n";
    }
    if (why.empty()) return 0;
    if (!o.live && !interactive) {
        std::cout << "---- console log of " << o.image << " ----\n" << r.log << "---- end of console log ----\n";
    }
    for (const auto& w : why) std::cout << "FAIL: " << w << "\n";
    return r.timed_out ? 2 : 1;
}

// terminal.cpp — raw mode for the interactive console, undone on every way out, with QEMU stopped too.
#include "terminal.hpp"

#include <csignal>
#include <cstdlib>
#include <exception>
#include <initializer_list>
#include <termios.h>
#include <unistd.h>

namespace tessera::runner {

namespace {

// Read by the signal handler: plain globals, written before it is installed.
termios g_saved{};
int g_fd = -1;
volatile sig_atomic_t g_raw = 0;
pid_t g_child = 0;

void on_signal(int sig) {
    terminal_restore();
    if (g_child > 0) kill(-g_child, SIGKILL);
    // Die of the same signal, so whoever started us sees why.
    signal(sig, SIG_DFL);
    raise(sig);
}

void at_exit() {
    terminal_restore();
    if (g_child > 0) kill(-g_child, SIGKILL); // (already gone after a normal run)
}

} // namespace

void cleanup_on_exit(pid_t child) {
    g_child = child;
    std::atexit(at_exit);
    std::set_terminate([] {
        at_exit();
        std::abort();
    });
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGQUIT}) sigaction(sig, &sa, nullptr);
}

bool terminal_make_raw(int fd) {
    if (!isatty(fd) || tcgetpgrp(fd) != getpgrp()) return false;
    if (tcgetattr(fd, &g_saved) != 0) return false;
    termios raw = g_saved;
    cfmakeraw(&raw); // output too: the hypervisor already ends rows with "\r\n"
    g_fd = fd;
    if (tcsetattr(fd, TCSAFLUSH, &raw) != 0) return false;
    g_raw = 1;
    return true;
}

void terminal_restore() {
    if (!g_raw) return;
    tcsetattr(g_fd, TCSAFLUSH, &g_saved);
    g_raw = 0; // (after: a signal in between restores it once more, harmlessly)
}

} // namespace tessera::runner

// terminal.cpp — raw mode for the interactive console, undone on every way out.
#include "terminal.hpp"

#include <csignal>
#include <cstdlib>
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

} // namespace

bool terminal_make_raw(int fd, pid_t child) {
    if (!isatty(fd) || tcgetpgrp(fd) != getpgrp()) return false;
    if (tcgetattr(fd, &g_saved) != 0) return false;
    termios raw = g_saved;
    cfmakeraw(&raw); // output too: the hypervisor already ends rows with "\r\n"
    g_fd = fd;
    g_child = child;
    std::atexit(terminal_restore);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGQUIT}) sigaction(sig, &sa, nullptr);
    if (tcsetattr(fd, TCSAFLUSH, &raw) != 0) return false;
    g_raw = 1;
    return true;
}

void terminal_restore() {
    if (!g_raw) return;
    g_raw = 0;
    tcsetattr(g_fd, TCSAFLUSH, &g_saved);
}

} // namespace tessera::runner

// echo.cpp — reads lines typed into its virtual PL011 and answers each; "quit" ends it.
#include "kit.hpp"
#include "vplatform.hpp"

namespace {

constexpr tessera::u64 UART = tessera::vplat::UART; // the VM's own virtual PL011
constexpr tessera::u32 FR_RXFE = 1u << 4;

tessera::u32 reg(tessera::u64 off) { return *reinterpret_cast<volatile tessera::u32*>(UART + off); }

char getc() {
    while (reg(0x018) & FR_RXFE) asm volatile("yield");
    return static_cast<char>(reg(0x000));
}

bool same(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) ++a, ++b;
    return *a == *b;
}

} // namespace

int main() {
    kit::print("echo: type a line\n");
    char line[64];
    for (;;) {
        unsigned n = 0;
        for (char c = getc(); c != '\r' && c != '\n'; c = getc()) {
            if (n + 1 < sizeof line) line[n++] = c;
        }
        line[n] = '\0';
        if (n == 0) continue;
        kit::print("got: %s\n", line);
        if (same(line, "quit")) return 0;
    }
}

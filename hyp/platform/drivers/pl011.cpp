// pl011.cpp — the Arm PL011 UART, transmit side (PL011 TRM, DDI 0183).
#include "pl011.hpp"

#include "boot_only.hpp"

namespace tessera::pl011 {

namespace {
constexpr u64 DR = 0x000;
constexpr u64 FR = 0x018;
constexpr u64 CR = 0x030;
constexpr u32 FR_TXFF = 1u << 5;
constexpr u32 FR_RXFE = 1u << 4;
constexpr u64 IMSC = 0x038;
constexpr u64 ICR = 0x044;
constexpr u32 INT_RX = 1u << 4, INT_RT = 1u << 6;
constexpr u32 CR_UARTEN = 1u << 0;
constexpr u32 CR_TXE = 1u << 8;
constexpr u32 CR_RXE = 1u << 9;

constinit u64 g_base = 0;

volatile u32& reg(u64 off) { return *reinterpret_cast<volatile u32*>(g_base + off); }
} // namespace

TESSERA_BOOT_ONLY void init(u64 base) {
    g_base = base;
    // Firmware normally configured the line; only switch it on if it did not.
    if (!(reg(CR) & CR_UARTEN)) reg(CR) = CR_UARTEN | CR_TXE | CR_RXE;
}

void putc(char c) {
    if (g_base == 0) return;
    while (reg(FR) & FR_TXFF) {}
    reg(DR) = static_cast<u8>(c);
}

bool getc(char& c) {
    if (g_base == 0 || (reg(FR) & FR_RXFE)) return false;
    c = static_cast<char>(reg(DR) & 0xff);
    return true;
}

TESSERA_BOOT_ONLY void enable_rx_interrupt() {
    reg(ICR) = INT_RX | INT_RT;
    reg(IMSC) = reg(IMSC) | INT_RX | INT_RT;
}

} // namespace tessera::pl011

// board.hpp (qemu-virt) — what the board provides when its device tree cannot tell us.
#pragma once

#include "types.hpp"

namespace tessera::board {

/// QEMU virt's PL011: used only to say that the device tree is missing or bad.
inline constexpr u64 FALLBACK_UART = 0x0900'0000;

/// A device the system file may give to one VM (bit `i` of VmDesc::devices
/// for DEVICES[i]): its registers are mapped into that VM's stage-2 at the
/// same address, and its interrupt is forwarded to that VM only.
struct Device {
    const char* name;
    u64 base;
    u64 size;
    u32 intid; ///< its SPI, as a GIC INTID
};

inline constexpr Device DEVICES[] = {
    {"rtc", 0x0901'0000, 0x1000, 34}, // PL031 real-time clock, SPI 2
};
inline constexpr unsigned DEVICE_COUNT = sizeof(DEVICES) / sizeof(DEVICES[0]);

} // namespace tessera::board

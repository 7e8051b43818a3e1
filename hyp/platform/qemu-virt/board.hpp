// board.hpp (qemu-virt) — what the board provides when its device tree cannot tell us.
#pragma once

#include "types.hpp"

namespace tessera::board {

/// QEMU virt's PL011: used only to say that the device tree is missing or bad.
inline constexpr u64 FALLBACK_UART = 0x0900'0000;

} // namespace tessera::board

// cfi_flash.cpp — boot-only: CFI NOR flash, Intel/Sharp command set (JEDEC JESD68, Intel's "CFI" and "Basic Command
// Set" application notes): query, word program, block erase, status. Written for a 32-bit bank of interleaved
// chips (QEMU virt: two x16 devices side by side), so every command goes to each chip of the bank at once.
#include "cfi_flash.hpp"

#include "arch.hpp"

namespace tessera::cfi_flash {

namespace {

constexpr u64 QUERY_ADDRESS = 0x55ull * 4; ///< the query command's address: word 0x55 of each chip
constexpr u32 CMD_READ_ARRAY = 0xff;
constexpr u32 CMD_QUERY = 0x98;
constexpr u32 CMD_CLEAR_STATUS = 0x50;
constexpr u32 CMD_PROGRAM = 0x40;
constexpr u32 CMD_ERASE = 0x20;
constexpr u32 CMD_CONFIRM = 0xd0;
constexpr u32 SR_READY = 0x80;
constexpr u32 SR_ERRORS = 0x3a; ///< erase, program, VPP and lock errors

constexpr u64 PROGRAM_TIMEOUT_US = 100'000;
constexpr u64 ERASE_TIMEOUT_US = 10'000'000; ///< a NOR sector erase takes up to seconds

volatile u32& word(const Bank& b, u64 at) { return *reinterpret_cast<volatile u32*>(b.base + at); }

void command(const Bank& b, u64 at, u32 cmd) { word(b, at) = cmd * b.lanes; }

/// Waits for every chip to be ready, then says whether none reports an error (and leaves them reading the array).
bool finish(const Bank& b, u64 at, u64 timeout_us) {
    const u32 ready = SR_READY * b.lanes;
    u32 status = 0;
    const bool done = arch::wait_until(
        [&] {
            status = word(b, at);
            return (status & ready) == ready;
        },
        timeout_us);
    const bool ok = done && (status & SR_ERRORS * b.lanes) == 0;
    command(b, at, CMD_CLEAR_STATUS);
    command(b, at, CMD_READ_ARRAY);
    return ok;
}

u64 at_of(const Bank& b, unsigned sector, u64 offset) { return u64{sector} * b.sector + offset; }

u32 read(void* self, unsigned sector, u64 offset) {
    const Bank& b = *static_cast<Bank*>(self);
    return word(b, at_of(b, sector, offset));
}

bool program(void* self, unsigned sector, u64 offset, u32 value) {
    const Bank& b = *static_cast<Bank*>(self);
    const u64 at = at_of(b, sector, offset);
    command(b, at, CMD_PROGRAM);
    word(b, at) = value;
    return finish(b, at, PROGRAM_TIMEOUT_US);
}

bool erase(void* self, unsigned sector) {
    const Bank& b = *static_cast<Bank*>(self);
    const u64 at = at_of(b, sector, 0);
    command(b, at, CMD_ERASE);
    command(b, at, CMD_CONFIRM);
    return finish(b, at, ERASE_TIMEOUT_US);
}

/// Byte `i` of the CFI query table (each chip answers it in its low byte).
u32 query(const Bank& b, u32 i) { return word(b, u64{i} * 4) & 0xff; }

} // namespace

NvFlash open(Bank& bank, u64 base, u64 size, u64 mapped) {
    bank = {base, 0, 0x0001'0001};
    command(bank, QUERY_ADDRESS, CMD_QUERY);
    const bool cfi = query(bank, 0x10) == 'Q' && query(bank, 0x11) == 'R' && query(bank, 0x12) == 'Y';
    // Primary command set 0x0001 (Intel/Sharp); the chip size 2^n bytes; erase region 1's block size in 256 bytes.
    const u32 command_set = query(bank, 0x13) | query(bank, 0x14) << 8;
    const u32 chip_log2 = query(bank, 0x27);
    const u64 block = u64{query(bank, 0x2f) | query(bank, 0x30) << 8} * 256;
    command(bank, 0, CMD_READ_ARRAY);
    if (!cfi || command_set != 1 || chip_log2 >= 63 || block == 0) return {};
    const u64 chips = size >> chip_log2; // side by side in the bank
    const u64 sector = block * chips;
    if (chips != 2 || sector * 2 > mapped) return {}; // (other interleaves: not written for yet)
    bank.sector = sector;
    return NvFlash{sector, read, program, erase, &bank};
}

} // namespace tessera::cfi_flash

// hypercall_abi.hpp — SMCCC function identifiers Tessera answers (see docs/hypercall-abi.md).
//
// Shared with the guest kit: both sides include this one file.
#pragma once

#include <stdint.h>

namespace tessera::abi {

inline constexpr int64_t SMCCC_NOT_SUPPORTED = -1;
inline constexpr int64_t PSCI_SUCCESS = 0;
inline constexpr int64_t PSCI_NOT_SUPPORTED = -1;
inline constexpr int64_t PSCI_INVALID_PARAMETERS = -2;
inline constexpr int64_t PSCI_DENIED = -3;
inline constexpr int64_t PSCI_ALREADY_ON = -4;
inline constexpr int64_t PSCI_INTERNAL_FAILURE = -6;
inline constexpr int64_t PSCI_ON_PENDING = -5;
inline constexpr int64_t PSCI_AFFINITY_ON = 0;
inline constexpr int64_t PSCI_AFFINITY_OFF = 1;
inline constexpr int64_t PSCI_AFFINITY_ON_PENDING = 2;
inline constexpr int64_t PSCI_TOS_NOT_PRESENT = 2; ///< MIGRATE_INFO_TYPE: no Trusted OS to migrate

// Arm architecture calls (SMCCC 1.1).
inline constexpr uint32_t SMCCC_VERSION = 0x8000'0000;
inline constexpr uint32_t SMCCC_ARCH_FEATURES = 0x8000'0001;

// PSCI (the 32-bit IDs; 64-bit variants add 0x4000'0000).
inline constexpr uint32_t PSCI_VERSION = 0x8400'0000;
inline constexpr uint32_t PSCI_CPU_OFF = 0x8400'0002;
inline constexpr uint32_t PSCI_CPU_ON = 0x8400'0003;
inline constexpr uint32_t PSCI_AFFINITY_INFO = 0x8400'0004;
inline constexpr uint32_t PSCI_MIGRATE_INFO_TYPE = 0x8400'0006;
inline constexpr uint32_t PSCI_SYSTEM_OFF = 0x8400'0008;
inline constexpr uint32_t PSCI_SYSTEM_RESET = 0x8400'0009;
inline constexpr uint32_t PSCI_FEATURES = 0x8400'000a;

// Tessera: Vendor Specific Hypervisor Service range, SMC64 fast calls.
inline constexpr uint32_t TESSERA_ABI_VERSION = 0xc600'0000;   ///< -> x0 = (major << 16) | minor
inline constexpr uint32_t TESSERA_CONSOLE_WRITE = 0xc600'0001; ///< x1 = len (<= 40), bytes in x2..x6
inline constexpr uint32_t TESSERA_VM_EXIT = 0xc600'0002;       ///< x1 = exit code; does not return
/// -> x1 = VM id, x2 = vCPU index, x3 = vCPU count, x4 = restarts after failures, x5 = when it last failed
/// (system counter ticks, 0: never)
inline constexpr uint32_t TESSERA_VM_INFO = 0xc600'0003;
inline constexpr uint32_t TESSERA_MEMORY_PRIVATE =
    0xc600'0004; ///< -> x1 = 1 if no other VM maps the caller's RAM, x2 = mappings audited
/// x1 = the caller's channel number i -> x0 = 0 (or PSCI_INVALID_PARAMETERS: no such channel), x1 = its IPA,
/// x2 = its size, x3 = the doorbell INTID it receives | side << 32 | the peer's VM id << 40
inline constexpr uint32_t TESSERA_CHANNEL_INFO = 0xc600'0005;
/// x1 = channel number i -> x0 = 0 (the peer's doorbell rang), PSCI_INVALID_PARAMETERS or CHANNEL_PEER_DOWN
inline constexpr uint32_t TESSERA_CHANNEL_RING = 0xc600'0006;
inline constexpr int64_t CHANNEL_PEER_DOWN = -3; ///< the peer VM has ended: nobody hears the doorbell
/// x1 = MEASUREMENT_SUMMARY -> x0 = 0, x1..x4 = SHA-256 of the signed manifest (bytes 0-7 in x1, little-endian),
/// x5 = security version, x6 = part count, x7 = 1 if signed with this hypervisor's key; x1 = i < part count ->
/// x1..x4 = part i's SHA-256, x5 = its offset, x6 = its size. -1 if the image was not signed; -2 for another i.
inline constexpr uint32_t TESSERA_MEASUREMENT = 0xc600'0007;
/// -> x1 = 1 if the caller is its failover pair's standby, else 0; x2 = times it took over from its partner;
/// x3 = the partner's VM id (~0: none); x4 = 1 if the partner is running (or restarting), 0 if it ended for good;
/// x5 = when the partner last failed (system counter, 0: never)
inline constexpr uint32_t TESSERA_HA_STATUS = 0xc600'0008;
inline constexpr uint64_t MEASUREMENT_SUMMARY = 0xffff'ffff;
// Arm's True Random Number Generator firmware interface (SMCCC TRNG 1.0, DEN0098).
inline constexpr uint32_t TRNG_VERSION = 0x8400'0050;  ///< -> x0 = 1.0
inline constexpr uint32_t TRNG_FEATURES = 0x8400'0051; ///< x1 = function -> x0 = 0 if implemented
inline constexpr uint32_t TRNG_GET_UUID = 0x8400'0052; ///< -> x0..x3 = the source's UUID
inline constexpr uint32_t TRNG_RND64 = 0xc400'0053;    ///< x1 = bits (1..192) -> x0 = 0, x1..x3 = them, x3 lowest
inline constexpr uint32_t TRNG_MAX_BITS = 192;
inline constexpr int64_t TRNG_NO_ENTROPY = -3;               ///< RND64: the board gave no entropy at boot
inline constexpr uint32_t VENDOR_HYP_CALL_UID = 0x8600'ff01; ///< -> x0..x3 = Tessera's UID
inline constexpr uint32_t VENDOR_HYP_REVISION = 0x8600'ff03; ///< -> x0 = major, x1 = minor

// Test-only hooks, present only in images built with the test module.
inline constexpr uint32_t TESSERA_TEST_EL2_WRITE_CODE = 0xc600'fe00; ///< EL2 writes its own code
inline constexpr uint32_t TESSERA_TEST_EL2_EXEC_DATA = 0xc600'fe01;  ///< EL2 jumps into its data
inline constexpr uint32_t TESSERA_TEST_EL2_CALL_BOOT = 0xc600'fe02;  ///< EL2 calls its boot-only code
inline constexpr uint32_t TESSERA_TEST_EL2_READ_BOOT = 0xc600'fe03;  ///< EL2 reads its boot-only data

inline constexpr uint32_t ABI_MAJOR = 0;
/// 2: MEMORY_PRIVATE; 3: CHANNEL_INFO, CHANNEL_RING; 4: console channels; 5: MEASUREMENT
inline constexpr uint32_t ABI_MINOR = 7;
inline constexpr uint64_t CONSOLE_WRITE_MAX = 40;

// UID 4f1c9a3e-5b2d-4c47-9e61-7e55e2a0b001, as SMCCC returns it (four words).
inline constexpr uint32_t TESSERA_UID[4] = {0x3e9a1c4f, 0x474c2d5b, 0xe5e7619e, 0x01b0a0e2};

} // namespace tessera::abi

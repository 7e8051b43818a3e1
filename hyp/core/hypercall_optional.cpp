// hypercall_optional.cpp — the calls of the optional modules: SMCCC TRNG (the guests' entropy), a failover pair's
// status and the channels. The minimal build has none of them (hyp/modules/absent.cpp): there they are not supported.
#include "channel.hpp"
#include "entropy.hpp"
#include "hypercall.hpp"
#include "hypercall_abi.hpp"

namespace tessera {

namespace {

u64& reg(Vcpu& v, unsigned n) { return v.ctx.regs.x[n]; }

void ret(Vcpu& v, i64 value) { reg(v, 0) = static_cast<u64>(value); }

/// SMCCC TRNG: random bits from the board's entropy as the guests' seeds
/// are made (entropy.hpp), through Arm's standard call, which Linux uses by
/// itself (arm_smccc_trng) and bare-metal guests without a device tree can
/// call. True if `fid` was one of its calls.
bool trng(Vcpu& v, u32 fid) {
    switch (fid) {
    case abi::TRNG_VERSION: ret(v, 0x1'0000); return true; // 1.0
    case abi::TRNG_FEATURES: {
        const u32 f = static_cast<u32>(reg(v, 1));
        const bool known =
            f == abi::TRNG_VERSION || f == abi::TRNG_FEATURES || f == abi::TRNG_GET_UUID || f == abi::TRNG_RND64;
        ret(v, known ? 0 : abi::SMCCC_NOT_SUPPORTED);
        return true;
    }
    case abi::TRNG_GET_UUID:
        for (unsigned i = 0; i < 4; ++i) reg(v, i) = abi::TESSERA_UID[i] ^ 0x5452'4e47; // "TRNG": not the hypervisor's
        return true;
    case abi::TRNG_RND64: {
        const u64 bits = reg(v, 1);
        if (bits == 0 || bits > abi::TRNG_MAX_BITS) {
            ret(v, abi::PSCI_INVALID_PARAMETERS);
            return true;
        }
        // A board that gave no entropy at boot has none to give: say so
        // rather than hand out bits a key would be made from.
        if (!entropy_seeded()) {
            ret(v, abi::TRNG_NO_ENTROPY);
            return true;
        }
        u64 words[3] = {};
        entropy_fill(reinterpret_cast<u8*>(words), sizeof words);
        // x3 holds bits 63:0, x2 127:64, x1 191:128; bits beyond the ones asked for are zero.
        for (unsigned i = 0; i < 3; ++i) {
            const u64 first = u64{64} * i; // the lowest bit number x(3 - i) carries
            const u64 keep = bits <= first ? 0 : (bits - first >= 64 ? ~0ull : (1ull << (bits - first)) - 1);
            reg(v, 3 - i) = words[i] & keep;
        }
        ret(v, 0);
        return true;
    }
    default: return false;
    }
}

} // namespace

bool optional_hypercall(Vcpu& v, u32 fid) {
    if (trng(v, fid)) return true;
    switch (fid) {
    case abi::TESSERA_HA_STATUS: {
        const u16 p = v.vm->desc->failure.partner;
        const VmState partner = p != 0 ? g_vms.vms[p - 1].state.load(std::memory_order_acquire) : VmState::ended;
        ret(v, 0);
        reg(v, 1) = v.vm->standby.load(std::memory_order_acquire) ? 1 : 0;
        reg(v, 2) = v.vm->health.takeovers;
        reg(v, 3) = p != 0 ? p - 1u : ~0ull;
        reg(v, 4) = partner == VmState::running || partner == VmState::restarting ? 1 : 0;
        reg(v, 5) = p != 0 ? g_vms.vms[p - 1].health.failed_at : 0;
        return true;
    }
    case abi::TESSERA_CHANNEL_INFO: {
        ChannelView c;
        if (reg(v, 1) > 0xffff || !channel_view(*v.vm, static_cast<unsigned>(reg(v, 1)), c)) {
            ret(v, abi::PSCI_INVALID_PARAMETERS);
            return true;
        }
        ret(v, 0);
        reg(v, 1) = c.ipa.raw();
        reg(v, 2) = c.size;
        reg(v, 3) = c.doorbell | static_cast<u64>(c.side) << 32 | static_cast<u64>(c.peer) << 40;
        return true;
    }
    case abi::TESSERA_CHANNEL_RING:
        ret(v, reg(v, 1) > 0xffff ? abi::PSCI_INVALID_PARAMETERS : channel_ring(v, static_cast<unsigned>(reg(v, 1))));
        return true;
    default: return false;
    }
}

} // namespace tessera

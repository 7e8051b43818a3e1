// mmio.cpp — routing trapped guest MMIO to the device models.
#include "mmio.hpp"

#include "vgic.hpp"
#include "vm.hpp"
#include "vpl011.hpp"

namespace tessera {

namespace {
IpaRange gicr_range(const Vm& vm) { return {Ipa(VGICR_IPA), VGICR_STRIDE * vm.desc->vcpu_count}; }

const ModelDevice* model_at(const Vm& vm, Ipa ipa) {
    for (unsigned i = 0; i < vm.model_count; ++i) {
        if (vm.models[i].range.contains(ipa)) return &vm.models[i];
    }
    return nullptr;
}
} // namespace

bool mmio_claims(const Vm& vm, Ipa ipa) {
    return IpaRange{Ipa(VGICD_IPA), VGICD_SIZE}.contains(ipa) || gicr_range(vm).contains(ipa) ||
           IpaRange{Ipa(VPL011_IPA), VPL011_SIZE}.contains(ipa) ||
           IpaRange{Ipa(vplat::WATCHDOG), vplat::WATCHDOG_SIZE}.contains(ipa) || model_at(vm, ipa) != nullptr;
}

namespace {

[[gnu::always_inline]] inline MmioResult emulate(Vcpu& v, Ipa ipa, unsigned size, bool write, u64& value) {
    // A device's registers are read and written at their own alignment: a
    // misaligned access (a guest mapping a device as normal memory) reaches
    // no register, and gets the bus error a real one would.
    if ((ipa.raw() & (size - 1)) != 0) return mmio_claims(*v.vm, ipa) ? MmioResult::misaligned : MmioResult::no_device;
    bool ok = false;
    if (IpaRange{Ipa(VGICD_IPA), VGICD_SIZE}.contains(ipa)) {
        ok = vgicd_access(v, ipa - Ipa(VGICD_IPA), size, write, value);
    } else if (gicr_range(*v.vm).contains(ipa)) {
        ok = vgicr_access(v, ipa - Ipa(VGICR_IPA), size, write, value);
    } else if (IpaRange{Ipa(VPL011_IPA), VPL011_SIZE}.contains(ipa)) {
        ok = vpl011_access(v, ipa - Ipa(VPL011_IPA), size, write, value);
    } else if (IpaRange{Ipa(vplat::WATCHDOG), vplat::WATCHDOG_SIZE}.contains(ipa)) {
        ok = vsp805_access(v, ipa - Ipa(vplat::WATCHDOG), size, write, value);
    } else if (const ModelDevice* m = model_at(*v.vm, ipa); m != nullptr) {
        return m->access(v, m->self, ipa - m->range.base, size, write, value);
    } else {
        return MmioResult::no_device;
    }
    return ok ? MmioResult::done : MmioResult::bad_access;
}

} // namespace

MmioResult mmio_emulate(Vcpu& v, Ipa ipa, unsigned size, bool write, u64& value) {
    return emulate(v, ipa, size, write, value);
}

MmioResult mmio_access(Vcpu& v, Ipa ipa, MmioAccess a) {
    const u64 mask = a.size < 8 ? (1ull << (8 * a.size)) - 1 : ~0ull;
    u64 value = a.write && a.rt != 31 ? v.ctx.regs.x[a.rt] & mask : 0;
    const MmioResult r = emulate(v, ipa, a.size, a.write, value);
    if (r == MmioResult::done && !a.write && a.rt != 31) v.ctx.regs.x[a.rt] = mmio_loaded(a, value);
    return r;
}

} // namespace tessera

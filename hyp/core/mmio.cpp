// mmio.cpp — routing trapped guest MMIO to the device models.
#include "mmio.hpp"

#include "vgic.hpp"
#include "vpl011.hpp"

namespace tessera {

namespace {
IpaRange gicr_range(const Vm& vm) { return {Ipa(VGICR_IPA), VGICR_STRIDE * vm.desc->vcpu_count}; }
} // namespace

bool mmio_claims(const Vm& vm, Ipa ipa) {
    return IpaRange{Ipa(VGICD_IPA), VGICD_SIZE}.contains(ipa) || gicr_range(vm).contains(ipa) ||
           IpaRange{Ipa(VPL011_IPA), VPL011_SIZE}.contains(ipa);
}

MmioResult mmio_emulate(Vcpu& v, Ipa ipa, unsigned size, bool write, u64& value) {
    bool ok = false;
    if (IpaRange{Ipa(VGICD_IPA), VGICD_SIZE}.contains(ipa)) {
        ok = vgicd_access(v, ipa - Ipa(VGICD_IPA), size, write, value);
    } else if (gicr_range(*v.vm).contains(ipa)) {
        ok = vgicr_access(v, ipa - Ipa(VGICR_IPA), size, write, value);
    } else if (IpaRange{Ipa(VPL011_IPA), VPL011_SIZE}.contains(ipa)) {
        ok = vpl011_access(v, ipa - Ipa(VPL011_IPA), size, write, value);
    } else {
        return MmioResult::no_device;
    }
    return ok ? MmioResult::done : MmioResult::bad_access;
}

} // namespace tessera

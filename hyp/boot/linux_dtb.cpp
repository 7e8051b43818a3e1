// linux_dtb.cpp — reading a VM's device tree at boot (libfdt): where its initramfs goes, where its random seed goes.
#include "entropy.hpp"
#include "vm.hpp"

extern "C" {
#include <libfdt.h>
}

namespace tessera {

Ipa linux_initrd_address(const void* dtb, u64 size) {
    // The whole tree is checked against the bytes the record gives it: its
    // header's own sizes and offsets are the author's, like everything else.
    if (size > 0x7fff'ffff || fdt_check_full(dtb, size) != 0) return Ipa(0);
    const int chosen = fdt_path_offset(dtb, "/chosen");
    if (chosen < 0) return Ipa(0);
    int len = 0;
    const auto* p = static_cast<const fdt32_t*>(fdt_getprop(dtb, chosen, "linux,initrd-start", &len));
    if (p == nullptr) return Ipa(0);
    if (len == 8) return Ipa((static_cast<u64>(fdt32_to_cpu(p[0])) << 32) | fdt32_to_cpu(p[1]));
    if (len == 4) return Ipa(fdt32_to_cpu(p[0]));
    return Ipa(0);
}

u32 vm_rng_seed_offset(const void* dtb, u64 size) {
    if (size > 0x7fff'ffff || fdt_check_full(dtb, size) != 0) return 0;
    const int chosen = fdt_path_offset(dtb, "/chosen");
    if (chosen < 0) return 0;
    int len = 0;
    const void* seed = fdt_getprop(dtb, chosen, "rng-seed", &len);
    if (seed == nullptr || len != static_cast<int>(VM_SEED_BYTES)) return 0;
    return static_cast<u32>(static_cast<const u8*>(seed) - static_cast<const u8*>(dtb));
}

} // namespace tessera

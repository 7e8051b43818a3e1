// linux_dtb.cpp — reading a Linux guest's device tree at boot (libfdt): where its initramfs goes.
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

} // namespace tessera

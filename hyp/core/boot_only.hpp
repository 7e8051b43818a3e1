// boot_only.hpp — TESSERA_BOOT_ONLY marks a function in a runtime file that only the boot calls: the EL2 image puts
// it on the boot-only pages (arch/aarch64/link.ld), which are unmapped once guests run.
#pragma once

#if __STDC_HOSTED__ == 0 // (the EL2 image; the host's unit tests link every function as usual)
#define TESSERA_BOOT_ONLY [[gnu::section(".boot_text")]]
#else
#define TESSERA_BOOT_ONLY
#endif

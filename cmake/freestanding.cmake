# freestanding.cmake — flags for everything that runs on the target without an OS.
set(TESSERA_FREESTANDING_FLAGS
    -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-stack-protector
    -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie
    -mgeneral-regs-only -mstrict-align -mno-outline-atomics
    -ffunction-sections -fdata-sections
    -Os -g -Wall -Wextra -Werror)
# Cortex-A53 erratum 843419 stays worked around, by turning the affected ADRP
# into ADR (an image is far smaller than ADR's 1 MiB reach): the default also
# adds stub veneers, which reserve a 4 KiB block in whichever image's layout
# happens to need one (the footprint moved by 4 KiB with the link order).
set(TESSERA_FREESTANDING_LINK
    -nostdlib -static -no-pie -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack
    -Wl,--no-warn-rwx-segments -Wl,--fix-cortex-a53-843419=adr)

# tessera_freestanding(TARGET) — apply the flags above to TARGET.
function(tessera_freestanding target)
    target_compile_options(${target} PRIVATE
        $<$<COMPILE_LANGUAGE:CXX>:${TESSERA_FREESTANDING_FLAGS}>
        $<$<COMPILE_LANGUAGE:C>:${TESSERA_FREESTANDING_FLAGS}>
        $<$<COMPILE_LANGUAGE:ASM>:-g>)
endfunction()

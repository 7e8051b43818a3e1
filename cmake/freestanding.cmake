# freestanding.cmake — flags for everything that runs on the target without an OS.
set(TESSERA_FREESTANDING_FLAGS
    -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-stack-protector
    -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie
    -mgeneral-regs-only -mstrict-align -mno-outline-atomics
    -ffunction-sections -fdata-sections
    -Os -g -Wall -Wextra -Werror)
set(TESSERA_FREESTANDING_LINK
    -nostdlib -static -no-pie -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack
    -Wl,--no-warn-rwx-segments)

# tessera_freestanding(TARGET) — apply the flags above to TARGET.
function(tessera_freestanding target)
    target_compile_options(${target} PRIVATE
        $<$<COMPILE_LANGUAGE:CXX>:${TESSERA_FREESTANDING_FLAGS}>
        $<$<COMPILE_LANGUAGE:C>:${TESSERA_FREESTANDING_FLAGS}>
        $<$<COMPILE_LANGUAGE:ASM>:-g>)
endfunction()

#!/bin/sh
# image-size.sh SIZE_TOOL ELF — print the EL2 image's footprint after each link.
"$1" -A "$2" | awk -v img="$(basename "$2")" '
    $1 == ".text"    { text = $2 }
    $1 == ".rodata"  { ro = $2 }
    $1 == ".data"    { data = $2 }
    $1 == ".bss"     { bss = $2 }
    $1 == ".stacks"  { stacks = $2 }
    $1 == ".payload" { payload = $2 }
    END {
        printf "%s: EL2 code %d + rodata %d + data %d = %d bytes (%.1f KiB); bss %d, stacks %d; guest payload %d\n",
            img, text, ro, data, text + ro + data, (text + ro + data) / 1024.0, bss, stacks, payload
    }'

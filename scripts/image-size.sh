#!/bin/sh
# image-size.sh NM ELF [MAX] — print the EL2 image's footprint after each link;
# with MAX, fail if the resident part (code + rodata + data) is larger.
#
# Resident = what stays reachable while guests run: code, read-only data and
# data of the core. The virtio module (hyp/modules/virtio) and boot-only code
# (libfdt, the boot sequence) are counted apart, as are bss, the per-core
# stacks and the guest payload.
"$1" -S -t d "$2" >/dev/null 2>&1 || exit 0
addr() { "$1" "$2" | awk -v s="$3" '$3 == s { print $1 }'; }
hex() { printf '%d' "0x$(addr "$1" "$2" "$3")"; }
nm="$1"; elf="$2"
start=$(hex "$nm" "$elf" __image_start)
# (The padding that puts the boot-only parts on pages of their own counts nowhere.)
text=$(( $(hex "$nm" "$elf" __resident_code_end) - start ))
boot=$(( $(hex "$nm" "$elf" __boot_code_end) - $(hex "$nm" "$elf" __boot_code_start) ))
mcode=$(( $(hex "$nm" "$elf" __module_code_end) - $(hex "$nm" "$elf" __module_code_start) ))
mro=$(( $(hex "$nm" "$elf" __module_rodata_end) - $(hex "$nm" "$elf" __module_rodata_start) ))
bro=$(( $(hex "$nm" "$elf" __boot_rodata_end) - $(hex "$nm" "$elf" __boot_rodata_start) ))
ro=$(( $(hex "$nm" "$elf" __resident_rodata_end) - $(hex "$nm" "$elf" __text_end) - mro ))
data=$(( $(hex "$nm" "$elf" __data_end) - $(hex "$nm" "$elf" __payload_region_end) ))
bss=$(( $(hex "$nm" "$elf" __bss_end) - $(hex "$nm" "$elf" __bss_start) ))
stacks=$(( $(hex "$nm" "$elf" __stacks_end) - $(hex "$nm" "$elf" __stacks_start) ))
payload=$(( $(hex "$nm" "$elf" __payload_end) - $(hex "$nm" "$elf" __payload_start) ))
resident=$(( text - mcode + ro + data ))
echo "$(basename "$elf"): EL2 resident $resident bytes (code $((text - mcode)) + rodata $ro + data $data);" \
     "virtio module $((mcode + mro)) (code $mcode + rodata $mro); boot-only code $boot (+ rodata $bro); bss $bss;" \
     "stacks $stacks;" \
     "guest payload $payload"
if [ -n "$3" ] && [ "$resident" -gt "$3" ]; then
    echo "FAIL: $(basename "$elf"): EL2 resident $resident bytes, more than its bound of $3" >&2
    exit 1
fi

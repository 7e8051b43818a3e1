#!/bin/sh
# packed_corrupt.sh TESSERA RUNNER CONFIG IMAGE SEARCH — a packed image cut short,
# and one with a byte flipped in its system description: `tessera inspect` and
# the hypervisor must refuse both, saying why.
set -eu
tessera=$1 runner=$2 config=$3 image=$4 search=$5
"$tessera" build "$config" -o "$image" -I "$search" >/dev/null
# The description starts where the Image header's res2 (offset 32) says;
# flip a byte in its first VM record (past the 64-byte header).
at=$(od -An -t u8 -j 32 -N 8 "$image" | tr -d ' ')
# Cut short inside the description: inspect says so, the hypervisor refuses it.
head -c $((at + 200)) "$image" >"$image.short"
if "$tessera" inspect "$image.short" 2>/tmp/inspect.$$; then
    echo "FAIL: tessera inspect accepted a truncated image"; exit 1
fi
grep -q "truncated" /tmp/inspect.$$ || { cat /tmp/inspect.$$; echo "FAIL: inspect did not say truncated"; exit 1; }
"$runner" --timeout 30 --expect-failure --expect "packed system description refused: CRC-32 mismatch" --reject "[guest-a]" \
    "$image.short" || { echo "FAIL: the hypervisor booted a truncated image"; exit 1; }
pos=$((at + 70))
byte=$(od -An -t u1 -j "$pos" -N 1 "$image" | tr -d ' ')
printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" | dd of="$image" bs=1 seek="$pos" conv=notrunc status=none
if "$tessera" inspect "$image" 2>/tmp/inspect.$$; then
    echo "FAIL: tessera inspect accepted a corrupt image"; exit 1
fi
grep -q "CRC-32 mismatch" /tmp/inspect.$$ || { cat /tmp/inspect.$$; echo "FAIL: inspect did not say why"; exit 1; }
rm -f /tmp/inspect.$$
exec "$runner" --timeout 30 --expect-failure --expect "packed system description refused: CRC-32 mismatch: the image is corrupt" \
    --reject "[guest-a]" "$image"

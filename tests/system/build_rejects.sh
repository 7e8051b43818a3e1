#!/bin/sh
# build_rejects.sh TESSERA SYSTEM_FILE IMAGE SEARCH — `tessera build` must name
# every mistake with its line and write no image.
set -u
tessera=$1 system=$2 image=$3 search=$4
rm -f "$image"
out=$("$tessera" build "$system" -o "$image" -I "$search" 2>&1) && { echo "FAIL: build succeeded"; exit 1; }
echo "$out"
status=0
expect() { echo "$out" | grep -qF "$1" || { echo "FAIL: missing: $1"; status=1; }; }
expect "bad-system.yaml:12: vm 'far-core': core 7 does not exist (the board has 4 cores, 0-3)"
expect "bad-system.yaml:14: vm 'no-image': image 'does-not-exist.bin' not found"
expect "bad-system.yaml:17: vm 'ok-one' is declared twice (first on line 5)"
expect "bad-system.yaml:21: vm 'greedy': the VMs up to here need"
expect "bad-system.yaml:27: vm 'typo': unknown key 'memroy'"
expect "bad-system.yaml:25: vm 'typo': needs memory:"
expect "bad-system.yaml:38: vm 'clock-b': device rtc is already given to vm 'clock-a' (line 33)"
expect "bad-system.yaml:38: vm 'clock-b': the board has no device 'gpu' (it has: rtc)"
expect "bad-system.yaml:41: vm 'not-linux': kernel 'guest_hello.bin' is not an arm64 Image (no \"ARM\\x64\" magic"
expect "bad-system.yaml:44: name 'tessera' is the hypervisor's own console tag"
expect "nothing written"
[ -e "$image" ] && { echo "FAIL: an image was written"; status=1; }
exit $status

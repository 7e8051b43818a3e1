#!/bin/sh
# sdk_build.sh TESSERA SYSTEMS_DIR GUESTS_DIR — what `tessera build` checks
# before the hypervisor would panic, all at once and each at its line, and
# the depfile a good build writes for Make.
set -u
tessera=$1 systems=$2 guests=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0
# tessera.bin is itself an arm64 Image (2 MiB and a bit): a real header to size a VM from.
cat >"$dir/small.yaml" <<'YAML'
cores: 4
memory: 512M
vms:
  - name: tiny
    linux:
      kernel: tessera.bin
    memory: 8M
    cores: 1
  - name: not-linux
    linux: {kernel: guest_hello.bin}
    memory: 16M
    cores: 2
  - name: far
    image: guest_hello.bin
    memory: 2M
    cores: 9
YAML
out=$("$tessera" build "$dir/small.yaml" -o "$dir/small.img" --depfile "$dir/small.img.d" -I "$systems" -I "$guests" 2>&1) &&
    { echo "FAIL: build succeeded"; status=1; }
echo "$out"
expect() { echo "$out" | grep -qF "$1" || { echo "FAIL: missing: $1"; status=1; }; }
expect "small.yaml:7: vm 'tiny': 8 MiB of memory is too small for its kernel and device tree; it needs at least 16 MiB"
expect "small.yaml:10: vm 'not-linux': kernel 'guest_hello.bin' is not an arm64 Image"
expect "small.yaml:16: vm 'far': core 9 does not exist (the board has 4 cores, 0-3)"
expect "tessera build: 3 errors; nothing written"
[ -e "$dir/small.img" ] || [ -e "$dir/small.img.d" ] && { echo "FAIL: something was written"; status=1; }

# A good build: the depfile names the image and every file it was made from.
cat >"$dir/good.yaml" <<'YAML'
cores: 2
memory: 64M
vms:
  - {name: only, image: guest_hello.bin, memory: 2M, cores: 1}
YAML
out=$("$tessera" build "$dir/good.yaml" -o "$dir/good.img" --depfile "$dir/good.img.d" -I "$guests" 2>&1) ||
    { echo "$out"; echo "FAIL: build failed"; status=1; }
expect "good.img: 1 VM, "
echo "$out"
cat "$dir/good.img.d"
head -1 "$dir/good.img.d" | grep -qxF "$dir/good.img: \\" || { echo "FAIL: depfile target"; status=1; }
for f in "$dir/good.yaml" tessera.bin "$guests/guest_hello.bin"; do
    grep -q "^  .*$f" "$dir/good.img.d" || { echo "FAIL: depfile lacks $f"; status=1; }
done
[ "$dir/good.img.d" -nt "$dir/good.img" ] && { echo "FAIL: the depfile is newer than the image"; status=1; }
exit $status

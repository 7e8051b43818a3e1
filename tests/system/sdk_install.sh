#!/bin/sh
# sdk_install.sh HOST_BUILD SOURCE_DIR GUESTS_DIR — `cmake --install` gives a
# prefix whose bin/tessera finds its hypervisor image and runner by itself:
# build and inspect a system from another working directory, no build tree
# paths given.
set -eu
build=$1 source=$2 guests=$(cd "$3" && pwd)
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix/usr" >/dev/null
status=0
for f in bin/tessera libexec/tessera/tessera-qemu-run share/tessera/tessera.bin; do
    [ -f "$prefix/usr/$f" ] || { echo "FAIL: not installed: $f"; status=1; }
done
mkdir "$prefix/work"
cd "$prefix/work"
"$prefix/usr/bin/tessera" --version | grep -q "^tessera [0-9]" || { echo "FAIL: tessera --version"; status=1; }
# Only the installed tessera, reached through a link in another directory (as from PATH).
mkdir "$prefix/path"
ln -s "$prefix/usr/bin/tessera" "$prefix/path/tessera"
PATH="$prefix/path:$PATH" tessera build "$source/configs/examples/two-guests.yaml" -o two-guests.img -I "$guests" ||
    { echo "FAIL: the installed tessera could not build"; exit 1; }
out=$(PATH="$prefix/path:$PATH" tessera inspect two-guests.img)
echo "$out"
echo "$out" | grep -q "guest-b: 2.0 MiB at IPA 0x40000000, 1 vCPU on core 2" || { echo "FAIL: inspect"; status=1; }
# The image starts with the installed hypervisor (past the Image header, which packing patches).
size=$(wc -c <"$prefix/usr/share/tessera/tessera.bin")
cmp -s -i 64 -n $((size - 64)) two-guests.img "$prefix/usr/share/tessera/tessera.bin" ||
    { echo "FAIL: the image does not hold the installed hypervisor"; status=1; }
# Without its share/ directory, tessera says where it looked.
mv "$prefix/usr/share" "$prefix/usr/share.away"
if err=$("$prefix/usr/bin/tessera" build "$source/configs/examples/two-guests.yaml" -o x.img -I "$guests" 2>&1); then
    echo "FAIL: built without a hypervisor image"; status=1
fi
echo "$err" | grep -qF "$prefix/usr/share/tessera/tessera.bin" || { echo "$err"; echo "FAIL: not where it looked"; status=1; }
[ -e x.img ] && { echo "FAIL: an image was written"; status=1; }
exit $status

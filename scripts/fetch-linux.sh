#!/usr/bin/env bash
# fetch-linux.sh — the Linux guest's parts from Debian's archive, cached in .cache/linux:
#   Image      the kernel of linux-image-arm64 (resolved through the meta package,
#              so a newer Debian kernel ABI is picked up by itself), uncompressed
#   modules/   its modules tree (for the modules a guest loads)
#   busybox    busybox-static:arm64
# A second run downloads nothing. Needs arm64 as a foreign architecture
# (scripts/setup.sh adds it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.cache/linux"
dl="$out/download"
mkdir -p "$dl"

if [ -f "$out/Image" ] && [ -f "$out/busybox" ] && [ -f "$out/version" ]; then
    exit 0
fi

cd "$dl"
echo "fetch-linux: resolving linux-image-arm64 from Debian"
rm -f ./*.deb
apt-get download -qq linux-image-arm64:arm64 busybox-static:arm64 2>/dev/null
kpkg=$(dpkg-deb -f linux-image-arm64_*_arm64.deb Depends | tr ',' '\n' | grep -o 'linux-image-[0-9][^ ]*-arm64' | head -1)
[ -n "$kpkg" ] || { echo "fetch-linux: cannot resolve the kernel package from linux-image-arm64" >&2; exit 1; }
echo "fetch-linux: downloading $kpkg:arm64"
apt-get download -qq "$kpkg:arm64" 2>/dev/null

rm -rf "$out/kernel" "$out/bb"
dpkg-deb -x "$kpkg"_*_arm64.deb "$out/kernel"
dpkg-deb -x busybox-static_*_arm64.deb "$out/bb"
vmlinuz=$(ls "$out"/kernel/boot/vmlinuz-*)
# Debian ships the arm64 kernel gzip-compressed; the hypervisor loads a raw Image.
if gzip -t "$vmlinuz" 2>/dev/null; then
    gzip -dc "$vmlinuz" > "$out/Image"
else
    cp "$vmlinuz" "$out/Image"
fi
rm -rf "$out/modules"
mv "$out"/kernel/lib/modules/* "$out/modules"
cp "$out/bb/bin/busybox" "$out/busybox"
basename "$vmlinuz" | sed 's/^vmlinuz-//' > "$out/version"
rm -rf "$out/kernel" "$out/bb" "$dl"
echo "fetch-linux: kernel $(cat "$out/version") ready in $out"

#!/usr/bin/env bash
# make-initramfs.sh INIT OUT [PROGRAM...] — a gzip'd newc initramfs: busybox-static:arm64, INIT as /init, and
# each PROGRAM in /bin.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
init="$1"
out="$2"
shift 2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"
cp "$root/.cache/linux/busybox" "$stage/bin/busybox"
cp "$init" "$stage/init"
for program in "$@"; do install -m 755 "$program" "$stage/bin/"; done
chmod 755 "$stage/init" "$stage/bin/busybox"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n > "$out"

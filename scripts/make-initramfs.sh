#!/usr/bin/env bash
# make-initramfs.sh INIT OUT [PROGRAM...] — a gzip'd newc initramfs: busybox-static:arm64, INIT as /init,
# each PROGRAM in /bin, and the kernel modules the virtio devices and the watchdog need, from the same linux-image-arm64
# package as the kernel (.cache/linux/modules), in /lib/modules in the order they load (/lib/modules/order).
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
# virtio_net needs net_failover, which needs failover; virtio and
# virtio_ring are built into Debian's kernel, as is the watchdog core that
# sp805_wdt (the VM's watchdog) plugs into.
mkdir -p "$stage/lib/modules"
for m in net/core/failover drivers/net/net_failover drivers/virtio/virtio_mmio drivers/net/virtio_net \
    drivers/char/virtio_console drivers/watchdog/sp805_wdt; do
    cp "$root/.cache/linux/modules/kernel/$m.ko" "$stage/lib/modules/"
    basename "$m" >> "$stage/lib/modules/order"
done
chmod 755 "$stage/init" "$stage/bin/busybox"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n > "$out"

#!/usr/bin/env bash
# linux-boot-ratio.sh [RUNS] — how much longer Debian's kernel takes to reach its
# shell under Tessera than on bare QEMU: same kernel, initramfs, command line and
# QEMU flags (-smp 2 -m 1G; Tessera gives its VM both cores), runs alternated,
# wall-clock medians compared as a ratio measured in this one run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
runner="$root/build/host/tools/runner/tessera-qemu-run"
image="$root/build/aarch64/systems/bench_linux.img"
kernel="$root/.cache/linux/Image"
initrd="$root/build/aarch64/systems/linux-initrd.gz"
marker="tessera-linux: ready"
common=(--smp 2 -m 1G --timeout 300 --time-to "$marker" --send-after "$marker" 'poweroff -f\n')

time_of() { "$@" | sed -n 's/^time-to .*: \([0-9.]*\) s$/\1/p'; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

bare=() tessera=()
for ((i = 0; i < runs; i++)); do
    bare+=("$(time_of "$runner" "$kernel" --initrd "$initrd" --append "console=ttyAMA0 nokaslr" "${common[@]}")")
    tessera+=("$(time_of "$runner" "$image" "${common[@]}")")
done
b=$(printf '%s\n' "${bare[@]}" | median)
t=$(printf '%s\n' "${tessera[@]}" | median)
echo "bare QEMU:   ${bare[*]} s (median $b s)"
echo "Tessera:     ${tessera[*]} s (median $t s)"
awk -v b="$b" -v t="$t" 'BEGIN { printf "ratio Tessera / bare: %.2f\n", t / b }'

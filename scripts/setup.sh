#!/usr/bin/env bash
# setup.sh — install what the build needs, idempotently and quietly when nothing is missing.
#
# Host packages come from Debian's archive; the freestanding libfdt for the EL2
# image comes from Debian's libfdt-dev:arm64 package, unpacked into .cache/
# (it cannot be installed beside the host's libfdt-dev: the two conflict).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/deps"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

packages=(make cmake g++ g++-aarch64-linux-gnu binutils-aarch64-linux-gnu
          qemu-system-arm device-tree-compiler libfdt-dev libgtest-dev
          libcli11-dev nlohmann-json3-dev libyaml-cpp-dev zlib1g-dev libssl-dev libbearssl-dev clang-format clang-tidy clang libclang-rt-14-dev git cpio gzip
          python3 python3-cryptography gdb-multiarch u-boot-qemu u-boot-tools)
# (clang with its libFuzzer runtime builds the fuzzers of tests/fuzz;
# python3 drives the console tests on a pseudo-terminal, and with
# python3-cryptography checks the security kernel's signatures; gdb-multiarch is
# the debugger of docs/guest-kit.md; U-Boot for QEMU and its tools make the
# firmware-guest test.)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

updated=0
apt_update() {
    if [ "$updated" -eq 0 ]; then
        $sudo apt-get update -qq >/dev/null
        updated=1
    fi
}

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt_update
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Libraries for the EL2 image, unpacked (not installed) from Debian's arm64
# packages: libfdt (device trees) and BearSSL (hashing and the guests'
# random seeds; no heap, constant-time).
fetch_arm64() { # fetch_arm64 PACKAGE DIR FILE-IT-MUST-HAVE
    [ -f "$cache/$2/$3" ] && return 0
    echo "setup: fetching $1:arm64 from Debian"
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        $sudo dpkg --add-architecture arm64
        updated=0
    fi
    apt_update
    mkdir -p "$cache/download"
    (cd "$cache/download" && rm -f "$1"_*_arm64.deb && apt-get download -qq "$1:arm64" 2>/dev/null)
    rm -rf "${cache:?}/$2"
    dpkg-deb -x "$cache"/download/"$1"_*_arm64.deb "$cache/$2"
    test -f "$cache/$2/$3"
}
fetch_arm64 libfdt-dev libfdt-arm64 usr/lib/aarch64-linux-gnu/libfdt.a
fetch_arm64 libbearssl-dev bearssl-arm64 usr/lib/aarch64-linux-gnu/libbearssl.a

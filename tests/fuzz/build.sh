#!/usr/bin/env bash
# build.sh — configures and builds the fuzzers (tests/fuzz) with clang into DIR (default build/fuzz).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:-$root/build/fuzz}"
# (Configured every time: quick once it has been, and a configure that failed is done again.)
cmake -S "$root/tests/fuzz" -B "$dir" --log-level=WARNING \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_RULE_MESSAGES=OFF >/dev/null
cmake --build "$dir" -j "$(nproc)" -- --no-print-directory -s

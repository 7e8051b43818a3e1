#!/usr/bin/env bash
# run.sh NAME SECONDS [DIR [TARGET_DIR]] — runs fuzzer NAME (built in DIR, default build/fuzz) for SECONDS: first
# its regression inputs (tests/fuzz/corpus/NAME, kept in the repository) one by one, then new inputs grown from
# those, from what it found before (DIR/corpus/NAME, not kept) and from seeds made from this build (TARGET_DIR's
# images, the system files). A crash, a sanitizer report or a broken promise fails the run and leaves the input in
# DIR/crash-NAME-*: once fixed, add it to tests/fuzz/corpus/NAME.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
name="$1"
seconds="$2"
dir="${3:-$root/build/fuzz}"
target="${4:-$root/build/aarch64}"
mkdir -p "$dir/corpus/$name" "$root/tests/fuzz/corpus/$name"
# Starting points made from this build (its images, the system files).
rm -rf "$dir/seeds/$name"
python3 "$root/tests/fuzz/seeds.py" "$name" "$dir/seeds/$name" "$target"
# Every regression input first, one by one: each must pass as it is.
"$dir/fuzz_$name" -runs=0 -artifact_prefix="$dir/crash-$name-" "$root/tests/fuzz/corpus/$name" 2>&1 | tail -n 60
# Then new inputs for SECONDS (-timeout: an input that takes 10 s is a hang).
# (TESSERA_FUZZ_SEED: make test fixes it, so that CI's runs draw the same inputs in the same order — as far as 20 s
# and the inputs a local run kept get them; 0 is random.)
"$dir/fuzz_$name" -max_total_time="$seconds" -seed="${TESSERA_FUZZ_SEED:-0}" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$dir/crash-$name-" "$dir/corpus/$name" "$root/tests/fuzz/corpus/$name" "$dir/seeds/$name" 2>&1 |
    sed -e '/^#/d' -e '/Uses: /d' | tail -n 60

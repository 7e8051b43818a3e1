#!/usr/bin/env bash
# lint.sh HOST_BUILD_DIR [TARGET_BUILD_DIR] — clang-format must have nothing to
# change; clang-tidy must be clean on everything the host build compiles (core,
# tools, tests) and on every file of the EL2 image and the in-tree guests,
# checked as AArch64 code with the target build's flags.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$1"
cd "$root"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
sources=$(git ls-files 'hyp/core/*.cpp' 'hyp/arch/host/*.cpp' 'tools/*.cpp' 'tests/unit/*.cpp' |
          while read -r f; do grep -q "\"file\": \"$root/$f\"" "$build/compile_commands.json" && echo "$f"; done)
report=$(clang-tidy --quiet -p "$build" $sources 2>&1 || true)
if [ -n "${2:-}" ] && [ -f "$2/compile_commands.json" ]; then
    el2=$(git ls-files 'hyp/*.cpp' 'guests/*.cpp' | grep -v '^hyp/arch/host/' |
          while read -r f; do grep -q "\"file\": \"$root/$f\"" "$2/compile_commands.json" && echo "$f"; done)
    report+=$'\n'$(clang-tidy --quiet -p "$2" --extra-arg=--target=aarch64-linux-gnu $el2 2>&1 || true)
fi
if grep -qE "(warning|error):" <<<"$report"; then
    grep -E -A3 "(warning|error):" <<<"$report"
    exit 1
fi
echo "lint: clang-format and clang-tidy clean"

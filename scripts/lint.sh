#!/usr/bin/env bash
# lint.sh HOST_BUILD_DIR — clang-format must have nothing to change; clang-tidy
# must be clean on everything the host build compiles (core, tools, tests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$1"
cd "$root"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
sources=$(git ls-files 'hyp/core/*.cpp' 'hyp/arch/host/*.cpp' 'tools/*.cpp' 'tests/unit/*.cpp' |
          while read -r f; do grep -q "\"file\": \"$root/$f\"" "$build/compile_commands.json" && echo "$f"; done)
report=$(clang-tidy --quiet -p "$build" $sources 2>&1 || true)
if grep -qE "(warning|error):" <<<"$report"; then
    grep -E -A3 "(warning|error):" <<<"$report"
    exit 1
fi
echo "lint: clang-format and clang-tidy clean"

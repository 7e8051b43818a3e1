#!/bin/sh
# packed_run.sh TESSERA CONFIG IMAGE "SEARCH OPTIONS" RUNNER-OPTIONS... — build a
# system file into one image with `tessera build`, then boot it with `tessera run`.
set -eu
tessera=$1 config=$2 image=$3 search=$4
shift 4
# shellcheck disable=SC2086 # SEARCH is a word list of -I options
"$tessera" build "$config" -o "$image" $search
exec "$tessera" run "$image" -- "$@"

#!/bin/sh
# runner_exit_status.sh TESSERA SYSTEMS_DIR — `tessera run IMAGE`, with no options, exits non-zero when a
# VM fails or the hypervisor panics, and 0 when every VM ends cleanly: scripts can trust it.
set -u
tessera=$1 systems=$2
"$tessera" run "$systems/test_two_guests.img" -- --batch >/dev/null 2>&1 ||
    { echo "FAIL: a clean run exited $?"; exit 1; }
if "$tessera" run "$systems/test_isolation.img" -- --batch >/dev/null 2>&1; then
    echo "FAIL: a run in which a VM failed exited 0"; exit 1
fi
if "$tessera" run "$systems/test_panic_write.img" -- --batch >/dev/null 2>&1; then
    echo "FAIL: a run in which the hypervisor panicked exited 0"; exit 1
fi
echo "PASS"

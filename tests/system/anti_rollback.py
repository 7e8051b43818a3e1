"""anti_rollback.py TESSERA GUESTS SYSTEMS KEYDIR WORKDIR — a signed image older than the board's counter never runs.

Boots through `tessera run`, as a user does, on the development-key
hypervisor: the board's flash (QEMU's second pflash bank, a file `tessera
run` keeps beside the image) starts with no counter. Version 2 boots and
raises the counter to 2; version 1 is then refused, in a new QEMU (the
counter survived the power cycle in the file); version 2 boots again
without a raise; version 3 raises it to 3. A new board (a new flash file)
boots version 1; the generic hypervisor (no key: development) boots
version 1 on the board at 3 and leaves its counter alone.
"""
import os
import subprocess
import sys

TESSERA, GUESTS, SYSTEMS, KEYDIR, WORK = sys.argv[1:6]
SYSTEM = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "examples", "two-guests.yaml")
KEY = os.path.join(KEYDIR, "tessera-key.pem")
os.makedirs(WORK, exist_ok=True)
failures = []


def build(version, hyp="tessera_dev.bin"):
    out = os.path.join(WORK, "v%d-%s.img" % (version, hyp.split(".")[0]))
    subprocess.run([TESSERA, "build", SYSTEM, "-o", out, "-I", GUESTS, "--hypervisor", os.path.join(SYSTEMS, hyp),
                    "--key", KEY, "--security-version", str(version)], check=True, stdout=subprocess.DEVNULL)
    return out


def run(image, nvram, expect, refused):
    """`tessera run` on the board whose flash is `nvram` (None: the default beside the image)."""
    cmd = [TESSERA, "run", image] + (["--nvram", nvram] if nvram else [])
    cmd += ["--", "--timeout", "60", "--batch", "--expect", expect]
    cmd += ["--expect-failure", "--reject", "KiB at IPA"] if refused else ["--expect", "all 2 VMs ended cleanly"]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print("%s: %s on %s -> %s" % ("ok" if r.returncode == 0 else "FAIL", os.path.basename(image),
                                  os.path.basename(nvram or image + ".nvram"), expect))
    if r.returncode != 0:
        print(r.stdout[-3000:])
        failures.append(expect)
    return r.stdout


board = os.path.join(WORK, "board.nvram")
for stale in (board, os.path.join(WORK, "v1-tessera_dev.img.nvram"), os.path.join(WORK, "new-board.nvram")):
    if os.path.exists(stale):
        os.remove(stale)
v1, v2, v3 = build(1), build(2), build(3)
run(v2, board, "the board's security-version counter raised from 0 to 2", refused=False)
if os.path.getsize(board) != 64 << 20:
    failures.append("the board's flash file is not a 64 MiB pflash bank")
run(v1, board, "image refused: security version 1 is lower than this board's counter (2): a rolled-back image",
    refused=True)
run(v2, board, "anti-rollback: security version 2, as the board's counter", refused=False)
run(v3, board, "counter raised from 2 to 3", refused=False)
run(v2, board, "security version 2 is lower than this board's counter (3)", refused=True)
# The default board is the image's own flash file, beside it: a new board.
run(v1, None, "counter raised from 0 to 1", refused=False)
if not os.path.exists(v1 + ".nvram"):
    failures.append("tessera run kept no flash file beside the image")
# Development images do not touch the counter: the generic hypervisor has no key.
run(build(1, "tessera.bin"), board, "has no key to trust: UNSIGNED - development only", refused=False)
run(v3, board, "anti-rollback: security version 3, as the board's counter", refused=False)

if failures:
    print("FAIL: %d anti-rollback cases" % len(failures))
    sys.exit(1)
print("PASS: the counter refused every rolled-back image, rose with each newer one and survived every restart")

#!/usr/bin/env python3
"""check_boot_code.py ELF — no resident code branches into the boot-only code, which is unmapped once guests run.

The boot-only code (link.ld: __boot_code_start..__boot_code_end) is gone
after arch::leave_boot(); a direct call or branch into it from resident
code would fault the first time a guest makes that path run, perhaps
years later. Disassembles the image (aarch64-linux-gnu-objdump) and fails
on every `b`/`bl`/`cbz`/`tbz`-style branch from outside the boot-only
range into it, except from the two entries that are boot themselves
(start.S's boot_core and secondary_entry). Calls through pointers are not
seen here; system.panic_call_boot_code and the rest of the suite run with
the boot-only code unmapped.
"""
import re
import subprocess
import sys

ENTRIES = {"boot_core", "secondary_entry"}
BRANCH = re.compile(r"^\s*([0-9a-f]+):\s+(b|bl|b\.\w+|cbn?z|tbn?z)\s+(?:[^,\s]+,\s*)*([0-9a-f]+) <")


def main():
    elf = sys.argv[1]
    nm = subprocess.run(["llvm-nm", elf], capture_output=True, text=True, check=True).stdout
    sym = {}
    for line in nm.splitlines():
        addr, _, name = line.split(" ", 2)
        sym[name] = int(addr, 16)
    start, end = sym["__boot_code_start"], sym["__boot_code_end"]
    dis = subprocess.run(["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    function, bad, checked = None, [], 0
    for line in dis.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:", line)
        if m:
            function = m.group(2)
            continue
        m = BRANCH.match(line)
        if not m:
            continue
        at, target = int(m.group(1), 16), int(m.group(3), 16)
        if start <= at < end:
            continue  # (boot code may call anything)
        checked += 1
        if start <= target < end and function not in ENTRIES:
            bad.append("%s at %#x branches into boot-only code at %#x" % (function, at, target))
    if checked == 0:
        raise SystemExit("check_boot_code: no branches found in %s (is it an AArch64 image?)" % elf)
    for b in bad:
        print("FAIL: " + b)
    if bad:
        sys.exit(1)
    print("PASS: %d branches of resident code checked; none reaches the boot-only code [%#x, %#x)" %
          (checked, start, end))


if __name__ == "__main__":
    main()

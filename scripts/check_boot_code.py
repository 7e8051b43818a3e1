#!/usr/bin/env python3
"""check_boot_code.py ELF — no resident code reaches the boot-only code or data, which are unmapped once guests run.

The boot-only code (link.ld: __boot_code_start..__boot_code_end) and
read-only data (__boot_rodata_start..__boot_rodata_end: the boot's
messages and tables) are gone after arch::leave_boot(); a direct call or
branch into that code, or an address of that data formed by resident code,
would fault the first time a guest makes that path run, perhaps years
later. Disassembles the image (aarch64-linux-gnu-objdump) and fails on
every `b`/`bl`/`cbz`/`tbz`-style branch from outside the boot-only code
into it, except from the image's first instruction's slot (entry.S's
boot_entry: a cold boot goes on into start.S, boot-only), and on every
`adr`/`adrp` of resident code whose address (or page) is boot-only data,
except in arch::leave_boot, which takes the bounds to unmap them. Pointers stored by boot code
are not seen here; system.panic_call_boot_code and the rest of the suite
run with the boot-only parts unmapped.
"""
import re
import subprocess
import sys

ENTRIES = {"boot_entry"}  # the image's first instruction: a cold boot goes on into start.S
# Takes the boot-only parts' bounds to unmap them: it reads no byte there.
UNMAPPER = "_ZN7tessera4arch10leave_bootERNS_7PerCoreERNS_9PageTableINS_9El2FormatEEE"
BRANCH = re.compile(r"^\s*([0-9a-f]+):\s+(b|bl|b\.\w+|cbn?z|tbn?z)\s+(?:[^,\s]+,\s*)*([0-9a-f]+) <")
ADDRESS = re.compile(r"^\s*([0-9a-f]+):\s+(adrp?)\s+\w+,\s*([0-9a-f]+)")


def main():
    elf = sys.argv[1]
    nm = subprocess.run(["llvm-nm", elf], capture_output=True, text=True, check=True).stdout
    sym = {}
    for line in nm.splitlines():
        addr, _, name = line.split(" ", 2)
        sym[name] = int(addr, 16)
    start, end = sym["__boot_code_start"], sym["__boot_code_end"]
    data_start, data_end = sym["__boot_rodata_start"], sym["__boot_rodata_end"]
    data_pages = (data_start & ~0xfff, (data_end + 0xfff) & ~0xfff)
    dis = subprocess.run(["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    function, bad, checked, addresses = None, [], 0, 0
    for line in dis.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:", line)
        if m:
            function = m.group(2)
            continue
        m = ADDRESS.match(line)
        if m and not start <= int(m.group(1), 16) < end and function != UNMAPPER:
            addresses += 1
            target = int(m.group(3), 16)
            lo, hi = data_pages if m.group(2) == "adrp" else (data_start, data_end)
            if lo <= target < hi:
                bad.append("%s at %s forms an address of boot-only data (%#x)" % (function, m.group(1), target))
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
    if checked == 0 or addresses == 0:
        raise SystemExit("check_boot_code: no branches or addresses found in %s (is it an AArch64 image?)" % elf)
    for b in bad:
        print("FAIL: " + b)
    if bad:
        sys.exit(1)
    print("PASS: %d branches and %d addresses of resident code checked; none reaches the boot-only code [%#x, %#x)"
          " or data [%#x, %#x)" % (checked, addresses, start, end, data_start, data_end))


if __name__ == "__main__":
    main()

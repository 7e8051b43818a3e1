"""doc_commands.py ROOT — every command the README and docs/ show is run, as written, from the repository's root.

Each fenced ```sh block of README.md and docs/*.md runs as one bash script on
a pseudo-terminal (so interactive commands meet a terminal, as a reader's
would), and must end with status 0. Commands that are whole test or build
entry points are run elsewhere and named here; a new command in the docs
that this file does not know how to run fails the test until it does.
"""
import glob
import os
import re
import subprocess
import sys

from ptyterm import PtyTerm, Timeout

ROOT = sys.argv[1]

# Run by CI or another test, not here: the command, and who runs it.
ELSEWHERE = {
    "make run": "system.console_make_run_pty walks it on a pseudo-terminal",
    "make test": ".ci/run runs it",
    "make bench": ".ci/run runs it after make test",
    "make bench-breakdown": "system.bench_breakdown runs its script with --check",
    "make fuzz": "the fuzz.* tests run each fuzzer for 20 s",
    "make fuzz FUZZ_SECONDS=3600": "the fuzz.* tests run each fuzzer for 20 s",
}


def blocks():
    """(file, first line number, commands) of every ```sh block."""
    for path in [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
        lines = open(path).read().split("\n")
        i = 0
        while i < len(lines):
            if lines[i].strip() in ("```sh", "```bash"):
                start = i + 1
                body = []
                i += 1
                while not lines[i].startswith("```"):
                    body.append(lines[i])
                    i += 1
                yield os.path.relpath(path, ROOT), start + 1, body
            i += 1


def commands(body):
    """The block's commands: continuation lines joined, comments and blank lines left out."""
    out, cur = [], ""
    for line in body:
        line = re.sub(r"\s+#.*$", "", line) if not line.lstrip().startswith("#") else ""
        cur += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            if cur.strip():
                out.append(cur.strip())
            cur = ""
    return out


def drive(t, script):
    """Answers what the block's interactive commands ask, until it ends."""
    if re.search(r"(tessera|\$T) run ", script):
        # A booted system: wait for the console's first line, then power off.
        t.expect("console: input goes to vm", timeout=300)
        t.type("\x14x")
        t.expect("powering off at the user's request", timeout=60)
    if "gdb-multiarch" in script:
        # Stop the hypervisor at its first C++ function, then end the session.
        t.expect("(gdb) ", timeout=120)
        t.type("break boot_main\r")
        t.expect("(gdb) ", timeout=60)
        t.type("continue\r")
        t.expect("hit Breakpoint 1, boot_main", timeout=120)
        t.expect("(gdb) ", timeout=60)
        t.type("kill\r")
        t.expect("(y or n)", timeout=60)
        t.type("y\r")
        t.expect("(gdb) ", timeout=60)
        t.type("quit\r")
    return t.wait(900)


def footprint_is_current(failures):
    """The README's footprint line is the one the build printed for the generic image."""
    line = subprocess.run(["sh", "scripts/image-size.sh", "aarch64-linux-gnu-nm", "build/aarch64/systems/tessera.elf"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    readme = open(os.path.join(ROOT, "README.md")).read()
    if line not in readme:
        failures.append("README.md: its footprint is not the build's; the build says:\n    " + line)
    else:
        print("README.md: footprint matches the build: " + line)
    # The demo transcript comes from a run of today's hypervisor: its banner
    # shows the same sizes (capture it again when they change).
    code, rodata = re.search(r"code (\d+) \+ rodata (\d+)", line).groups()
    banner = re.search(r"EL2 image: resident code (\d+), rodata (\d+)", readme)
    if not banner or banner.groups() != (code, rodata):
        failures.append("README.md: the demo transcript is from another build (banner %s, build code %s rodata %s)"
                        % (banner.group(0) if banner else "missing", code, rodata))


def main():
    failures, ran = [], 0
    footprint_is_current(failures)
    for path, line, body in blocks():
        cmds = commands(body)
        if all(c in ELSEWHERE for c in cmds):
            for c in cmds:
                print("%s:%d: %s -- %s" % (path, line, c, ELSEWHERE[c]))
            continue
        script = "\n".join(cmds)
        print("%s:%d: running:\n    %s" % (path, line, script.replace("\n", "\n    ")), flush=True)
        env_path = os.path.join(ROOT, "build/host/tools/sdk") + os.pathsep + os.environ["PATH"]
        t = PtyTerm(["bash", "-euo", "pipefail", "-c", "export PATH=%s\n%s" % (env_path, script)], cwd=ROOT)
        try:
            status = drive(t, script)
            if status != 0:
                failures.append("%s:%d: exit status %d" % (path, line, status))
        except Timeout as e:
            failures.append("%s:%d: %s" % (path, line, e))
        t.kill()
        ran += 1
        print("---- what the terminal showed ----\n%s\n---- end ----" % t.text.strip()[-3000:], flush=True)
    for f in failures:
        print("FAIL: " + f)
    if failures:
        sys.exit(1)
    print("PASS: %d blocks run" % ran)


main()

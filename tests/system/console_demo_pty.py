"""console_demo_pty.py ROOT — `make run` in a real terminal: type into both Linux VMs, switch, Ctrl-C, paste, power off.

The product's front door, walked as a person walks it: the demo started by
`make run` on a pseudo-terminal, keys typed one by one, a long line pasted in
one piece, Ctrl-C sent as the keyboard sends it (a byte, not a signal to us).
"""
import hashlib
import re
import sys

from ptyterm import run

ROOT = sys.argv[1]
TAGS = ("tessera", "linux-a", "linux-b", "rtos", "seckern")


def screen_rows(transcript):
    """The rows as a terminal leaves them: "\\r\\n" ends a row, a lone "\\r" redraws it."""
    rows, row = [], ""
    text = transcript.replace("\r\n", "\n")
    for c in text:
        if c == "\n":
            rows.append(row)
            row = ""
        elif c == "\r":
            row = ""
        else:
            row += c
    rows.append(row)
    return rows


def test(t):
    # The demo is signed, and the hypervisor that trusts the development key checked it.
    t.expect("system: signed with this hypervisor's key", timeout=600, advance=False)  # (a first `make run` builds)
    t.expect("console: input goes to vm linux-a (Ctrl-T 1-4 or n switches, Ctrl-T ? helps, Ctrl-T x powers off)",
             timeout=600)
    # The two kernels boot side by side: either may be ready first.
    t.expect("[linux-b] tessera-linux: ready", timeout=300, advance=False)
    t.expect("[linux-a] tessera-linux: ready", timeout=300, advance=False)
    t.expect("[linux-a] / # ", timeout=60, advance=False)

    # Characters appear as they are typed, on the prompt's row, before Enter.
    t.type("echo a-$((40+2))")
    t.expect("[linux-a] / # echo a-$((40+2))", timeout=30)
    t.type("\r")
    t.expect("[linux-a] a-42\r\n", timeout=30)

    # Ctrl-C interrupts the VM's foreground command; the system runs on.
    t.expect("[linux-a] / # ", advance=False)
    t.type("sleep 1000\r")
    t.expect("sleep 1000\r\n")
    t.type("\x03")
    t.expect("^C", timeout=30)
    t.type("echo rc=$?\r")
    t.expect("[linux-a] rc=130", timeout=30)

    # Tab completion on the shell: "ech" becomes "echo " before Enter.
    t.expect("[linux-a] / # ", advance=False)
    t.type("ech\t")
    t.expect("[linux-a] / # echo ", timeout=30)
    t.type("tab-ok\r")
    t.expect("[linux-a] tab-ok", timeout=30)

    # Linux A reaches Linux B over their network cable, and asks the security kernel for random bytes.
    t.expect("[linux-a] / # ", advance=False)
    t.type("ping -c 1 10.0.0.2 && seckey random 8\r")
    t.expect("[linux-a] 1 packets transmitted, 1 packets received, 0% packet loss", timeout=60)
    t.expect("[linux-a] rnd ", timeout=60)

    # Switch to Linux B; its prompt is shown at once, ready for typing.
    t.type("\x142")
    t.expect("console: input goes to vm linux-b\r\n[linux-b] / # ", timeout=30)

    # A 200-character line pasted in one piece arrives whole.
    line = "".join("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36] for i in range(200))
    t.paste("echo %s | md5sum\r" % line)
    digest = hashlib.md5((line + "\n").encode()).hexdigest()
    t.expect("[linux-b] %s" % digest, timeout=60)

    # The help lists the escapes and every VM with its state.
    t.type("\x14?")
    t.expect("console: Ctrl-T r: restart the VM that has the keyboard; Ctrl-T ?: this list; Ctrl-T Ctrl-T: type a Ctrl-T", timeout=30)
    t.expect("console:   1 linux-a: running\r\n")
    t.expect("console:   2 linux-b: running (has the keyboard)\r\n")
    t.expect("console:   3 rtos: ended\r\n")
    t.expect("console:   4 seckern: running\r\n")  # (it serves linux-a until linux-a ends)

    # Switching skips VMs that ended: from linux-b, "next" is the security kernel (the RTOS has ended).
    t.type("\x14n")
    t.expect("console: input goes to vm seckern (skipped the VMs that have ended)", timeout=30)
    t.type("\x14" "2")
    t.expect("console: input goes to vm linux-b", timeout=30)

    # Linux B powers off; the keyboard moves on, to Linux A, which powers off too (and the security kernel with it).
    t.type("poweroff -f\r")
    t.expect("vm linux-b: powered off", timeout=60)
    # (The next running VM gets it: the security kernel, still serving linux-a.)
    t.expect("console: input goes to vm seckern (the VM that had it has ended)", timeout=30)
    t.type("\x14" "1")
    t.expect("console: input goes to vm linux-a", timeout=30)
    t.type("poweroff -f\r")
    t.expect("all 4 VMs ended cleanly; powering off", timeout=60)
    status = t.wait(60)
    assert status == 0, "make run exited with %d after every VM ended cleanly" % status

    # Every row carries one tag at its start; no row holds two sources.
    rows = screen_rows(t.text)
    first = next(i for i, r in enumerate(rows) if r.startswith("[tessera] "))
    tag = re.compile(r"^\[(%s)\] " % "|".join(TAGS))
    for r in rows[first:]:
        if r == "" or r.startswith("make"):
            continue
        assert tag.match(r), "a row without its tag: %r" % r
        assert not re.search(r"\S\[(%s)\] " % "|".join(TAGS), r), "two sources on one row: %r" % r
        # A terminal's answer to a cursor query, echoed by a VM that did not ask.
        assert not re.search(r"(\^\[|\x1b)\[\d+;\d+R", r), "a cursor answer reached the wrong VM: %r" % r


run(test, ["make", "-s", "-C", ROOT, "run"])

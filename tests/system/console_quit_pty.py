"""console_quit_pty.py TESSERA IMAGE — `tessera run IMAGE` on a terminal: no options, Ctrl-C is the guest's, Ctrl-T x quits.

The image holds two echo guests that wait for input forever: only the
console's escape ends the run. Afterwards the terminal must be as it was.
"""
import re
import sys

from ptyterm import run

TESSERA, IMAGE = sys.argv[1], sys.argv[2]


def test(t):
    t.expect("console: input goes to vm echo-a", timeout=120)
    t.expect("[echo-b] echo: type a line", timeout=60)
    t.type("one\r")
    t.expect("[echo-a] got: one", timeout=30)
    # Ctrl-C is a byte for the VM with the keyboard, never the end of the
    # system; the guest echoes it back, and the console shows that control
    # as text ("^C"), as it shows every control a guest prints but a line
    # editor does not need (docs/security.md).
    t.type("\x03two\r")
    t.expect("[echo-a] got: ^Ctwo", timeout=30)
    t.type("\x14" "2three\r")
    t.expect("[echo-b] got: three", timeout=30)
    t.type("\x14x")
    t.expect("console: powering off at the user's request (Ctrl-T x)", timeout=30)
    t.expect("TERMINAL:", timeout=30)
    status = t.wait(30)
    assert status == 0, "exit status %d after Ctrl-T x" % status
    # The runner gave the terminal back as it found it (line editing and echo on).
    settings = t.transcript[t.transcript.rindex("TERMINAL:"):]
    for flag in ("icanon", "echo", "isig"):
        assert re.search(r"(^|\s)%s(\s|$)" % flag, settings), "terminal left without %s: %s" % (flag, settings)
    assert "RUN-STATUS=0" in t.transcript, "tessera run did not exit 0 after Ctrl-T x"


run(test, ["sh", "-c", '"$0" run "$1"; echo "RUN-STATUS=$?"; echo "TERMINAL: $(stty -a)"', TESSERA, IMAGE])

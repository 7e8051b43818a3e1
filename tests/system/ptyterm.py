"""ptyterm.py — drive a program through a real pseudo-terminal, as a person at a keyboard would.

Stdlib only (pty, select): the program sees a terminal on stdin, stdout and
stderr, exactly as in `make run` typed into a shell. Everything it prints is
kept (`transcript`) so a failure shows what the screen showed.
"""
import codecs
import os
import pty
import re
import select
import signal
import struct
import fcntl
import sys
import termios
import time


CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
CSI_END = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[^\[])")  # a whole sequence (or a lone ESC and one byte)


class Timeout(Exception):
    pass


class PtyTerm:
    def __init__(self, argv, cwd=None, cols=120, rows=40):
        """Starts `argv` on a new pseudo-terminal of `cols` x `rows`."""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            if cwd:
                os.chdir(cwd)
            os.execvp(argv[0], argv)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.transcript = ""
        self.text = ""
        self.rows = rows
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        self._raw_tail = ""  # the start of a control sequence a read cut in two
        self.seen = 0  # expect() searches after the previous match
        self.status = None

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the program ended and closed the terminal
            data = b""
        if not data:
            raise EOFError
        new = self._utf8.decode(data)
        self.transcript += new
        # What the eye reads: terminal control sequences (a shell asking
        # where the cursor is, erasing to the end of the row) left out. Only
        # the new bytes are looked at; a sequence cut by the read waits.
        pending = self._raw_tail + new
        cut = pending.rfind("\x1b")
        if cut >= 0 and not CSI_END.match(pending, cut):
            pending, self._raw_tail = pending[:cut], pending[cut:]
        else:
            self._raw_tail = ""
        for part in re.split(r"(\x1b\[6n)", pending):
            if part == "\x1b[6n":
                # Answer as a real terminal does (a shell's line editor asks
                # where its prompt ended): the answer comes back as input,
                # which the console must route to the VM that asked.
                row = self.text.split("\n")[-1].split("\r")[-1]
                os.write(self.fd, ("\x1b[%d;%dR" % (self.rows, len(row) + 1)).encode())
            else:
                self.text += CSI.sub("", part)
        return True

    def expect(self, pattern, timeout=60, regex=False, advance=True):
        """Waits until `pattern` appears after the previous match; returns the match.

        With advance=False the next search starts where this one did (a
        prompt waited for before typing is part of the row the typing makes)."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern if regex else re.escape(pattern))
        while True:
            m = rx.search(self.text, self.seen)
            if m:
                if advance:
                    self.seen = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("waited %d s for %r" % (timeout, pattern))
            try:
                self._read(min(left, 1.0))
            except EOFError:
                raise Timeout("the program ended before %r appeared" % pattern)

    def type(self, keys, delay=0.05):
        """Types `keys` one at a time, like a person."""
        for k in keys:
            os.write(self.fd, k.encode("latin-1"))
            time.sleep(delay)

    def paste(self, text):
        """Sends `text` in one write, as a terminal does for a paste."""
        os.write(self.fd, text.encode("latin-1"))

    def wait(self, timeout=60):
        """Waits for the program to end (reading what it still prints); returns its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                try:
                    while self._read(0.2):
                        pass
                except EOFError:
                    pass
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            try:
                self._read(0.5)
            except EOFError:
                time.sleep(0.1)
        raise Timeout("the program did not end within %d s" % timeout)

    def kill(self):
        """Ends the program and anything it left running in the background."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.status is None:
            try:
                os.waitpid(self.pid, 0)
            except OSError:
                pass


def run(test, argv, **kw):
    """Runs `test(term)` on a terminal running `argv`; prints the screen and exits 1 on failure."""
    term = PtyTerm(argv, **kw)
    try:
        test(term)
    except (Timeout, AssertionError) as e:
        print("---- what the terminal showed ----\n%s\n---- end ----" % term.transcript)
        print("FAIL: %s" % e)
        term.kill()
        sys.exit(1)
    term.kill()
    print("---- what the terminal showed ----\n%s\n---- end ----" % term.text)
    print("PASS")

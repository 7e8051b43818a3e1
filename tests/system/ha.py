"""ha.py RUNNER SYSTEMS WORKDIR — failed VMs restarted by their policy, while the others run on.

1. test_restart (-icount: deterministic time): a VM that faults at once is
   restarted 1000 times in a row, each from its images with its RAM
   scrubbed (its guest checks that the last run's secret is gone), then
   stays stopped saying max_restarts was reached; the hypervisor's free
   memory is the same after every restart; the RTOS beside it on another
   core misses none of its deadlines (1 ms tick).
2. test_restart_policy (-icount too: the ticker's deadlines are not the
   host's to miss): a VM that exits with an error is restarted 50 ms,
   then 100 ms after it failed (back-off, doubled), then stays stopped; one
   that hangs with interrupts masked is caught by its SP805 watchdog,
   restarted once, caught again and stopped; a periodic task on core 0
   meets every deadline.
3. test_restart_shared (-icount): a 256 MiB VM scrubbed eagerly that faults at once shares
   its core with a periodic task (10 ms): each restart scrubs its RAM in
   slices of about 1 ms with the task's turns in between, so the task meets
   every deadline with a worst release latency of a few slices, while
   restarts keep coming.
"""
import os
import re
import subprocess
import sys

RUNNER, SYSTEMS, WORK = sys.argv[1:4]
os.makedirs(WORK, exist_ok=True)
failures = []


def check(ok, what):
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def boot(image, *args):
    log = os.path.join(WORK, image + ".log")
    subprocess.run([RUNNER, os.path.join(SYSTEMS, image + ".img"), "--timeout", "300", "--batch", "--log", log,
                    "--expect-failure"] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    text = open(log, errors="replace").read()
    check("LEAK" not in text, "%s: no run found its predecessor's secret in RAM" % image)
    check("PANIC" not in text, "%s: the hypervisor did not panic" % image)
    return text


RESTARTED = re.compile(r"vm (\S+): restarted from its original images, its RAM scrubbed(?: on first touch)?, (\d+) us "
                       r"after it failed "
                       r"\(restart (\d+); hypervisor free memory (\d+) bytes\)")

# 1. A thousand restarts in a row beside the RTOS.
log = boot("test_restart", "--icount")
runs = [m for m in RESTARTED.finditer(log) if m.group(1) == "crasher"]
check([int(m.group(3)) for m in runs] == list(range(1, 1001)), "crasher restarted 1000 times, in order (%d)" % len(runs))
free = {m.group(4) for m in runs}
check(len(free) == 1, "the hypervisor's free memory is the same after every restart (%s bytes)" % ", ".join(free))
check(log.count("vm crasher: stopped after a fault:") == 1001, "1001 faults, each logged")
check("not restarted: 1000 restarts within 3600 s (max_restarts)" in log, "the 1001st failure leaves it stopped")
check("[rtos] rtos: after 1990 ticks: fast 995, mid 398, slow 199 activations, 0 deadlines missed" in log,
      "the RTOS missed no deadline while the crasher restarted")
check("vm rtos: exited with code 0" in log, "the RTOS ended cleanly")
check(0 < log.find("restarts within 3600 s (max_restarts)") < log.find("[rtos] rtos: after 1990 ticks"),
      "all 1000 restarts happened while the RTOS ran")
if runs:
    worst = max(int(m.group(2)) for m in runs)
    print("failure to restart: %d us at most (virtual time)" % worst)

# 2. Back-off, limit and the watchdog.
log = boot("test_restart_policy", "--icount")
flaky = [m for m in RESTARTED.finditer(log) if m.group(1) == "flaky"]
check(len(flaky) == 2 and int(flaky[0].group(2)) >= 50_000 and int(flaky[1].group(2)) >= 100_000,
      "flaky restarted twice, after 50 then 100 ms (%s us)" % [m.group(2) for m in flaky])
check("vm flaky: exited with code 3; restart 1 of 2 within 60 s, in 50 ms" in log and
      "vm flaky: exited with code 3; restart 2 of 2 within 60 s, in 100 ms" in log and
      "vm flaky: exited with code 3; not restarted: 2 restarts within 60 s (max_restarts)" in log,
      "flaky's failures say which restart comes, and when it does not")
check(log.count("[hang] hanging with interrupts masked") == 2, "hang hung twice")
check("vm hang: failed: its watchdog expired (not kicked for 50 ms); restart 1 of 1 within 60 s" in log and
      "vm hang: failed: its watchdog expired (not kicked for 50 ms); not restarted: 1 restarts" in log,
      "the watchdog caught both hangs")
check("[ticker] 30 releases, 0 deadlines missed" in log and "[ticker] PASS" in log, "the ticker met every deadline")

# 3. A large VM's restarts on a shared core.
log = boot("test_restart_shared", "--icount")
big = [m for m in RESTARTED.finditer(log) if m.group(1) == "big"]
check(len(big) == 40, "big restarted 40 times (%d)" % len(big))
took = [int(m.group(2)) for m in big]
check(took and min(took) > 10_000, "each restart took longer than the task's period (%s us at least)" % min(took or [0]))
m = re.search(r"\[ticker\] 30 releases, (\d+) deadlines missed, worst release latency (\d+) us", log)
check(m is not None and m.group(1) == "0", "the task beside it met every deadline (%s)" % (m and m.group(0)))
check(m is not None and int(m.group(2)) <= 3000, "its worst release latency is a few 1 ms slices (%s us)" %
      (m and m.group(2)))
check(0 < log.find("[ticker] 30 releases") < log.find("restarts within 3600 s (max_restarts)"),
      "restarts went on during the task's whole run")

if failures:
    print("FAIL: %d high-availability checks" % len(failures))
    sys.exit(1)
print("PASS: every failed VM was restarted as its policy says, and nothing else stopped")

#!/usr/bin/env python3
"""bench_breakdown.py RUNNER TARGET_DIR [--check] — where the hypervisor's instructions go on each benchmarked path.

Boots the bench_trace system (the benchmark guest's paths, 64 times each,
each in a function of its own: guests/tests/bench.cpp built with
BENCH_TRACE) under QEMU with every executed instruction logged
(`tessera-qemu-run --trace --icount`: -singlestep, -d exec,nochain, under
-icount as `make bench` runs: in real time a traced run is so slow that time
slices end between hand-offs, and the hand-off takes another path). The log
streams through a FIFO and is never stored. On the guest's core, each stretch of
EL2 instructions between two guest instructions is one exit; it belongs to
the path whose function the guest ran last (with what it calls: the kit's
hvc wrapper, its vectors and handlers). Each instruction is
attributed to the hypervisor function it belongs to (tessera.elf's
symbols), and per path the script prints the EL2 instructions of one exit
on average and the functions they were spent in.

The total is the hypervisor's share of a path: `make bench` counts the
guest's side too (its call, its vector), so its figures are larger.

Then the hand-off: bench_switch (two vCPUs of one VM sharing core 1, 2 048
hand-offs, guests/tests/bench_switch.cpp) traced the same way; every EL2
instruction on that core once its guest has started (its boot excluded)
counts, divided by the hand-offs. Its three report lines at the end are
noise below one instruction per hand-off.

--check (system.bench_breakdown): fails unless every path shows its 64
exits and the function that does its work, and the hand-off its switch.
"""
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile
import threading

PATHS = ["path_null_hvc", "path_mmio_read", "path_irq_latency", "path_self_ipi"]
TITLES = {
    "path_null_hvc": "null hypercall (hvc PSCI_VERSION)",
    "path_mmio_read": "trapped MMIO read (GICD_TYPER)",
    "path_irq_latency": "virtual timer interrupt",
    "path_self_ipi": "self-IPI (ICC_SGI1R_EL1 write)",
}
GUEST_CORE = 1  # bench_trace.yaml: the guest's one vCPU on core 1
# An exit counts for the path if the guest left from the path's own function
# or what it calls on the way: the kit's hvc wrapper, its vectors, the
# handler. (Not its report's console output, nor main's GIC set-up between.)
ON_PATH = re.compile(r"path_|kit::hvc|kit_vector|kit_exception|on_irq|kit::gic::(ack|end)\(")
TRACE = re.compile(rb"Trace (\d+): \S+ \[[0-9a-f]+/([0-9a-f]+)/")


def symbols(elf):
    """Sorted (address, name) of the functions in `elf`, names demangled."""
    nm = subprocess.run(["llvm-nm", "-C", "-n", "--defined-only", elf], capture_output=True, text=True, check=True)
    out = []
    for line in nm.stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "TtWw":
            name = re.sub(r"\((?:[^()]|\([^()]*\))*\)( const)?$", "", parts[2])  # without the parameter list
            out.append((int(parts[0], 16), name))
    return out


class Lookup:
    def __init__(self, syms, end):
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]
        self.lo = self.addrs[0] if syms else 0
        self.end = end

    def contains(self, pc):
        return self.lo <= pc < self.end

    def name(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else "?"


def text_end(elf):
    nm = subprocess.run(["llvm-nm", "--defined-only", elf], capture_output=True, text=True, check=True)
    for line in nm.stdout.splitlines():
        addr, _, name = line.split(" ", 2)
        if name == "__text_used":
            return int(addr, 16)
    raise SystemExit("%s: no __text_used symbol" % elf)


# What --check wants to see in each path's breakdown (the function that does its work).
WORKER = {
    "path_null_hvc": "tessera_handle_hypercall",
    "path_mmio_read": "tessera::arch::(anonymous namespace)::on_mmio",
    "path_irq_latency": "tessera::vgic_inject",
    "path_self_ipi": "tessera::vgic_send_sgi",
}


class Traced:
    """A system booted under QEMU with every executed instruction logged,
    streamed through a FIFO (never stored)."""

    def __init__(self, runner, image):
        work = tempfile.mkdtemp(prefix="tessera-trace-")
        self.fifo = os.path.join(work, "trace")
        os.mkfifo(self.fifo)
        self.log = os.path.join(work, "console.log")
        self.qemu = subprocess.Popen(
            [runner, image, "--batch", "--icount", "--timeout", "600", "--log", self.log, "--trace", self.fifo],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    def pcs(self, core):
        """The PC of every instruction `core` executes, in order."""
        with open(self.fifo, "rb") as f:
            for line in f:
                m = TRACE.match(line)
                if m and int(m.group(1)) == core:
                    yield int(m.group(2), 16)

    def finished(self, what):
        """Waits for QEMU; fails unless the guest printed its last report."""
        self.qemu.wait()
        console = open(self.log, errors="replace").read() if os.path.exists(self.log) else ""
        if "BENCH done" not in console:
            raise SystemExit("bench_breakdown: %s did not finish; its console's last lines:\n%s"
                             % (what, "\n".join(console.splitlines()[-20:])))


def main():
    runner, target = sys.argv[1:3]
    check = "--check" in sys.argv[3:]
    hyp_elf = os.path.join(target, "systems", "tessera.elf")
    guest_elf = os.path.join(target, "guests", "guest_bench_trace.elf")
    image = os.path.join(target, "systems", "bench_trace.img")
    hyp = Lookup(symbols(hyp_elf), text_end(hyp_elf))
    guest = Lookup(symbols(guest_elf), 1 << 64)

    spent = {p: collections.Counter() for p in PATHS}
    exits = collections.Counter()
    in_exit = False
    path = None
    current = None  # the path function the guest last ran: its calls and handlers count for it
    guest_path = {}
    on_path = {}
    last_guest = 0
    lines = 0
    run = Traced(runner, image)
    for pc in run.pcs(GUEST_CORE):
        lines += 1
        if hyp.contains(pc):
            if not in_exit:
                in_exit = True
                path = current if on_path.get(last_guest) else None
                if path:
                    exits[path] += 1
            if path:
                spent[path][hyp.name(pc)] += 1
        else:
            in_exit = False
            if pc not in guest_path:  # (the path functions run one after the other)
                where = guest.name(pc)
                guest_path[pc] = next((p for p in PATHS + ["path_end"] if where.endswith(p)), None)
                on_path[pc] = ON_PATH.search(where) is not None
            if guest_path[pc]:
                current = guest_path[pc] if guest_path[pc] != "path_end" else None
            last_guest = pc
    run.finished("the traced guest")
    print("EL2 instructions per exit, by function (%d instructions traced on core %d)" % (lines, GUEST_CORE))
    wrong = []
    for p in PATHS:
        n = exits[p]
        total = sum(spent[p].values())
        if n != 64 or spent[p][WORKER[p]] < n:
            wrong.append("%s: %d exits, %s in %d of them" % (TITLES[p], n, WORKER[p], spent[p][WORKER[p]]))
        if n == 0:
            print("\n%s: no exits seen" % TITLES[p])
            continue
        print("\n%s: %d exits, %.1f EL2 instructions each" % (TITLES[p], n, total / n))
        for name, count in spent[p].most_common():
            if count / n < 0.5:
                break
            print("  %7.1f  %5.1f%%  %s" % (count / n, 100.0 * count / total, name))
    wrong += handoff(runner, target, hyp)
    if check and wrong:
        raise SystemExit("FAIL: " + "; ".join(wrong))


HANDOFFS = 2048  # bench_switch: 1 024 rounds, two hand-offs each
SWITCH_CORE = 1  # bench_switch.yaml: both vCPUs on core 1


def handoff(runner, target, hyp):
    """The hand-off's breakdown (bench_switch); returns what --check finds wrong."""
    run = Traced(runner, os.path.join(target, "systems", "bench_switch.img"))
    spent = collections.Counter()
    started = False
    for pc in run.pcs(SWITCH_CORE):
        if not hyp.contains(pc):
            started = True
        elif started:
            spent[hyp.name(pc)] += 1
    run.finished("the hand-off guest")
    total = sum(spent.values())
    print("\nvCPU hand-off on a shared core (bench_switch): %d hand-offs, %.1f EL2 instructions each"
          % (HANDOFFS, total / HANDOFFS))
    for name, count in spent.most_common():
        if count / HANDOFFS < 5:
            break
        print("  %7.1f  %5.1f%%  %s" % (count / HANDOFFS, 100.0 * count / total, name))
    worker = "tessera::arch::run_vcpu(tessera::PerCore&, tessera::Vcpu&)"
    if not any(n.startswith("tessera::arch::run_vcpu") and c >= HANDOFFS for n, c in spent.items()):
        return ["hand-off: %s in fewer than %d of them" % (worker, HANDOFFS)]
    return []


if __name__ == "__main__":
    main()

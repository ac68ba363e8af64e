"""The corpus (tests/data/c/) under the strace backend: how long each classic program's run
takes and how many events it makes, and what the still point's corrections cost per event
(app/strace/inflight.py marking calls in flight, the threads' rows, and the two /proc reads
of app/strace/registers.py).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "runner")]

import corpus  # noqa: E402
from _service import machine  # noqa: E402
from support import DEFAULT_LIMITS, ForkServer  # noqa: E402

from app.runner.world import Proc, World  # noqa: E402
from app.strace import inflight, registers  # noqa: E402
from app.strace.track import Tracker  # noqa: E402

TRIALS = 3
ROUNDS = 20_000


def corpus_runs() -> None:
    fs = ForkServer()
    print("| program | events | run (median of 3) | per event |")
    print("|---|---:|---:|---:|")
    try:
        for name in corpus.names():
            limits = DEFAULT_LIMITS | {
                "wall_s": 1 if corpus.story(name)["end"] == "timeout" else 10
            }
            times, counts = [], []
            for _ in range(TRIALS):
                events = fs.start(corpus.request(name, limits)).finish()
                times.append(events[-1]["t"])
                counts.append(len(events))
            t, n = statistics.median(times), statistics.median(counts)
            print(f"| {name} | {n:.0f} | {t * 1000:.0f} ms | {t / n * 1e6:.0f} µs |")
    finally:
        fs.close()


def per_event_costs() -> None:
    """A world of 4 processes with 8 pipe fds each, and 4 threads each inside a read."""
    world, track = World(), Tracker(root_role="main")
    track.set_root(1000)
    for pid in range(1000, 1004):
        proc = world.procs[pid] = Proc(pid=pid, ppid=1, role="p", order=pid)
        proc.fds = [
            {"fd": fd, "pipe": f"pipe:[{fd}]", "end": "read", "socket": None} for fd in range(8)
        ]
        track.know(pid, 1)
        track.feed(f"[pid {pid}] 1.0 read(3<pipe:[3]>,  <unfinished ...>")
    start = time.perf_counter()
    for _ in range(ROUNDS):
        inflight.mark(world, track)
    mark = (time.perf_counter() - start) / ROUNDS
    me = os.getpid()
    start = time.perf_counter()
    for _ in range(ROUNDS // 10):
        registers.tgid_of(me)
    tgid = (time.perf_counter() - start) / (ROUNDS // 10)
    start = time.perf_counter()
    for _ in range(ROUNDS // 10):
        registers.inputs(me, "pipe2")
    regs = (time.perf_counter() - start) / (ROUNDS // 10)
    print(f"| inflight.mark (4 processes, 4 calls in flight) | {mark * 1e6:.1f} µs |")
    print(f"| registers.tgid_of (/proc/TID/status) | {tgid * 1e6:.1f} µs |")
    print(f"| registers.inputs (/proc/TID/syscall) | {regs * 1e6:.1f} µs |")


if __name__ == "__main__":
    print(machine())
    per_event_costs()
    corpus_runs()

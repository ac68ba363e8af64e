"""What the open-file layer costs per event: kcmp calls, and the world's snapshot with them.

Real processes hold real fds, as a run's do: a parent makes pipes and forks children that
keep every end (the widest sharing: each file has one reference per process), with fds 0-2
shared too. For each shape the world's snapshot (fd tables, fdinfo, kcmp, FIONREAD) is timed
with the open files and without them (the layer skipped), best of several rounds.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _procs import pausing_children, world_of  # noqa: E402
from _service import machine  # noqa: E402

from app.kernel import files  # noqa: E402

ROUNDS = 2000
TRIALS = 5
SHAPES = ((2, 1), (4, 2), (8, 4))  # (processes, pipes): hello-pipe after fork, wider ones


def best(work: Any, rounds: int) -> float:
    times = []
    for _ in range(TRIALS):
        t0 = time.perf_counter()
        for _ in range(rounds):
            work()
        times.append((time.perf_counter() - t0) / rounds)
    return min(times)


def holders(nprocs: int, npipes: int) -> list[int]:
    for _ in range(npipes):
        os.pipe2(0)  # kept open on purpose: every child inherits both ends
    return pausing_children(nprocs - 1)


def main() -> None:
    print(f"machine: {machine()}")
    me = os.getpid()
    t = best(lambda: files.same_file(me, 0, me, 1), ROUNDS * 10)
    print(f"one kcmp(KCMP_FILE) call: {t * 1e6:.2f} µs")
    head = ("processes", "pipes", "fds", "kcmp calls per event", "snapshot", "with files", "add")
    print("| " + " | ".join(head) + " |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for nprocs, npipes in SHAPES:
        pid = os.fork()
        if pid == 0:  # each shape in a process of its own, so the fds of one do not add up
            os.closerange(3, 1000)
            kids = holders(nprocs, npipes)
            world = world_of([os.getpid(), *kids])
            calls_before = world.files.kcmp_calls
            world.snapshot()
            calls = world.files.kcmp_calls - calls_before
            fds = sum(len(p.fds) for p in world.procs.values())
            with_files = best(world.snapshot, ROUNDS // 10)
            assemble = world.files.assemble
            world.files.assemble = lambda tables: []  # type: ignore[method-assign]
            without = best(world.snapshot, ROUNDS // 10)
            world.files.assemble = assemble  # type: ignore[method-assign]
            for kid in kids:
                os.kill(kid, signal.SIGKILL)
                os.waitpid(kid, 0)
            print(
                f"| {nprocs} | {npipes} | {fds} | {calls} | {without * 1e6:.0f} µs "
                f"| {with_files * 1e6:.0f} µs | {(with_files - without) * 1e6:.0f} µs |",
                flush=True,
            )
            os._exit(0)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()

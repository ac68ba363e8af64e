"""What the signal sets cost per event: one /proc/PID/status read and parse a process.

Real processes with real signal state (a handler-less child blocking SIGUSR1 with one
pending, others idle), read as World.snapshot reads them (`signals.of_procs`), best of
several rounds; and the whole snapshot beside it (fd tables, open files, pipes, signals).
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

from _service import machine  # noqa: E402

from app.kernel import signals  # noqa: E402
from app.runner.world import Proc, World  # noqa: E402

ROUNDS = 2000
TRIALS = 5
SIZES = (2, 4, 8)


def best(work: Any, rounds: int) -> float:
    times = []
    for _ in range(TRIALS):
        t0 = time.perf_counter()
        for _ in range(rounds):
            work()
        times.append((time.perf_counter() - t0) / rounds)
    return min(times)


def children(n: int) -> list[int]:
    kids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
            os.kill(os.getpid(), signal.SIGUSR1)  # pending, blocked: a set with something in
            signal.pause()
            os._exit(0)
        kids.append(pid)
    return kids


def main() -> None:
    print(f"machine: {machine()}")
    me = os.getpid()
    one = best(lambda: signals.sets(me), ROUNDS * 5)
    print(f"one process's sets (read + parse /proc/PID/status): {one * 1e6:.1f} µs")
    print("| processes | signal sets per event | per process | whole snapshot |")
    print("|---:|---:|---:|---:|")
    for n in SIZES:
        kids = children(n - 1)
        pids = [me, *kids]
        time.sleep(0.05)
        world = World()
        for order, pid in enumerate(pids):
            world.procs[pid] = Proc(pid=pid, ppid=1, role=str(order), order=order)
            world.procs[pid].pidfd = os.pidfd_open(pid)
        reader = best(lambda pids=pids: signals.of_procs(pids), ROUNDS)
        whole = best(world.snapshot, ROUNDS // 10)
        print(
            f"| {n} | {reader * 1e6:.0f} µs | {reader / n * 1e6:.0f} µs | {whole * 1e6:.0f} µs |",
            flush=True,
        )
        for kid in kids:
            os.kill(kid, signal.SIGKILL)
            os.waitpid(kid, 0)


if __name__ == "__main__":
    main()

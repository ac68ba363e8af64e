"""What the file types and the FIFO rows cost per event: the world's snapshot with them and
without them.

Real processes hold real fds, as a run's do: a parent makes pipes or FIFOs (opened O_RDWR,
so no open waits) and forks children that keep every end, with fds 0-2 shared too (a
device, /dev/null, as a run's terminal is). For each
shape the world's snapshot (fd tables, fdinfo, the types' stats, kcmp, FIONREAD) is timed as
it is, and with `file_types.of` stubbed out (no stat: no type, and a FIFO's fds then look like
plain files, with no pipe row, no FIONREAD and no ring), best of several rounds.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _procs import pausing_children, world_of  # noqa: E402
from _service import machine  # noqa: E402

from app.kernel import file_types  # noqa: E402
from app.runner.world import World  # noqa: E402

ROUNDS = 2000
TRIALS = 5
SHAPES = (("pipe", 2, 1), ("fifo", 2, 1), ("fifo", 4, 2))  # (object, processes, objects)


def best(work: Any, rounds: int) -> float:
    times = []
    for _ in range(TRIALS):
        t0 = time.perf_counter()
        for _ in range(rounds):
            work()
        times.append((time.perf_counter() - t0) / rounds)
    return min(times)


def holders(kind: str, nprocs: int, count: int, where: str) -> list[int]:
    for i in range(count):
        if kind == "pipe":
            os.pipe2(0)  # kept open on purpose: every child inherits both ends
        else:
            path = os.path.join(where, f"f{i}")
            os.mkfifo(path)
            os.open(path, os.O_RDWR)
    return pausing_children(nprocs - 1)


def stats_per_event(world: World) -> int:
    """How many stats a snapshot makes once the lasting targets are remembered."""
    real, made = file_types.of, [0]

    def counted(pid: int, fd: int, target: str) -> tuple[str | None, int | None]:
        got = real(pid, fd, target)
        made[0] += got[1] is not None
        return got

    file_types.of = counted  # type: ignore[assignment]
    try:
        world.snapshot()
        made[0] = 0
        world.snapshot()
    finally:
        file_types.of = real  # type: ignore[assignment]
    return made[0]


def with_and_without(world: World) -> tuple[float, float]:
    """The snapshot's time with the types read and with them stubbed out; trials alternate,
    so a busy moment of the machine weighs on both alike."""
    real = file_types.of
    on, off = [], []
    for _ in range(TRIALS):
        on.append(best(world.snapshot, ROUNDS // 20))
        file_types.of = lambda pid, fd, target: (None, None)  # type: ignore[assignment]
        off.append(best(world.snapshot, ROUNDS // 20))
        file_types.of = real  # type: ignore[assignment]
    return min(on), min(off)


def main() -> None:
    print(f"machine: {machine()}")
    me = os.getpid()
    t = best(lambda: os.stat(f"/proc/{me}/fd/0"), ROUNDS * 10)
    print(f"one stat of /proc/PID/fd/N: {t * 1e6:.2f} µs")
    head = ("object", "processes", "objects", "fds", "stats per event", "without types")
    print("| " + " | ".join((*head, "with types", "add")) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, nprocs, count in SHAPES:
        pid = os.fork()
        if pid == 0:  # each shape in a process of its own, so the fds of one do not add up
            os.closerange(3, 1000)
            out = os.dup2(1, 1001)  # above the fds a snapshot lists (RESERVED_FD)
            null = os.open("/dev/null", os.O_RDWR)
            for std in (0, 1, 2):  # a device, as a run's terminal is: its type is remembered
                os.dup2(null, std)
            os.close(null)
            with tempfile.TemporaryDirectory() as where:
                kids = holders(kind, nprocs, count, where)
                world = world_of([os.getpid(), *kids])
                per_event = stats_per_event(world)
                fds = sum(len(p.fds) for p in world.procs.values())
                with_types, without = with_and_without(world)
                for kid in kids:
                    os.kill(kid, signal.SIGKILL)
                    os.waitpid(kid, 0)
            row = (
                f"| {kind} | {nprocs} | {count} | {fds} | {per_event} | {without * 1e6:.0f} µs "
                f"| {with_types * 1e6:.0f} µs | {(with_types - without) * 1e6:.0f} µs |\n"
            )
            os.write(out, row.encode())
            os._exit(0)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()

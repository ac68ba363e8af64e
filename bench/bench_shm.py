"""What the shared memory reader costs per event: maps, the backing file's pread, pagemap, a
private page from /proc/PID/mem, all of `state.mappings`, and smaps for comparison.

Real processes hold real mappings, as a run's do: this process maps a shared and a private
anonymous page (both touched) and forks a child that keeps them (its shared page touched,
its private one written, so copy on write has split it). Best of 5 trials.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _service import machine  # noqa: E402

from app.kernel import shm, vma  # noqa: E402
from app.runner.ops.shm import _libc  # noqa: E402
from app.runner.world import Proc, World  # noqa: E402

ROUNDS = 2000
TRIALS = 5
PROT = mmap.PROT_READ | mmap.PROT_WRITE


def best(work: Any, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(TRIALS):
        t0 = time.perf_counter()
        for _ in range(rounds):
            work()
        times.append((time.perf_counter() - t0) / rounds)
    return min(times) * 1e6


def mapped(flags: int, byte: bytes) -> int:
    addr = int(_libc.mmap(None, 4096, PROT, flags | mmap.MAP_ANONYMOUS, -1, 0))
    ctypes.memmove(addr, byte, 1)
    return addr


def read_whole(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    while os.read(fd, 65536):
        pass
    os.close(fd)


def query(pid: int, addr: int) -> None:
    with vma.Vmas(pid) as vmas:
        assert vmas.at(addr) is not None


def whole_maps(pid: int) -> None:
    fd = os.open(f"/proc/{pid}/maps", os.O_RDONLY)
    try:
        vma.parse(vma.read_all(fd))
    finally:
        os.close(fd)


def main() -> None:
    print(f"machine: {machine()}")
    shared, private = mapped(mmap.MAP_SHARED, b"S"), mapped(mmap.MAP_PRIVATE, b"P")
    child = os.fork()
    if child == 0:
        ctypes.memmove(shared, b"C", 1)
        ctypes.memmove(private, b"C", 1)
        signal.pause()
        os._exit(0)
    time.sleep(0.2)
    me = os.getpid()
    table = shm.Mappings()
    for addr, flags in (
        (shared, "MAP_SHARED|MAP_ANONYMOUS"),
        (private, "MAP_PRIVATE|MAP_ANONYMOUS"),
    ):
        name = "s" if addr == shared else "p"
        args = {"map": name, "length": 4096, "flags": flags, "backing": "anon"}
        table.note(me, "mmap", args, addr)
    table.note(me, "fork", {}, child)
    procs = [Proc(pid=pid, ppid=1, role=str(pid), order=i) for i, pid in enumerate((me, child))]
    world, bare = World(), World()
    for w in (world, bare):
        for i, pid in enumerate((me, child)):
            w.procs[pid] = Proc(pid=pid, ppid=1, role=str(pid), order=i, pidfd=os.pidfd_open(pid))
    world.mappings = table
    files = f"/proc/{child}/map_files/{shared:x}-{shared + 4096:x}"
    rows = [
        (
            "one mapping's VMA by PROCMAP_QUERY (open maps, ioctl, close)",
            lambda: query(child, shared),
        ),
        ("for comparison: all of /proc/PID/maps, read and parsed", lambda: whole_maps(child)),
        (
            "the shared page's pread through map_files (open, pread, close)",
            lambda: vma.pread_path(files, 4096, 0),
        ),
        ("pagemap of one page (open, pread, close)", lambda: vma.pagemap(child, private, 1)),
        (
            "a present private page from /proc/PID/mem",
            lambda: vma.pread_path(f"/proc/{child}/mem", 4096, private),
        ),
        (
            "`state.mappings`: 2 processes, a shared and a private mapping",
            lambda: table.rows(procs),
        ),
        ("the whole state of these 2 processes (`World.snapshot`)", world.snapshot),
        ("the same without their mappings (what a pipe lesson pays)", bare.snapshot),
        (
            "for comparison: /proc/PID/smaps_rollup (one process)",
            lambda: read_whole(f"/proc/{child}/smaps_rollup"),
        ),
        (
            "for comparison: /proc/PID/smaps (one process)",
            lambda: read_whole(f"/proc/{child}/smaps"),
        ),
    ]
    print("| what | per event |")
    print("|---|---:|")
    try:
        for what, work in rows:
            print(f"| {what} | {best(work):.1f} µs |", flush=True)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


if __name__ == "__main__":
    main()

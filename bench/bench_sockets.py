"""What the sockets reader costs per event: sock_diag lookups, and the queue reads with them.

A real process in a network namespace of its own (as a run's are) holds socket pairs: one
stream pair with bytes queued each way, and datagram pairs with three messages queued at one
end. For each size, timed best of several rounds: `sock_diag.query` (one exact lookup per
socket, all in one netlink datagram), the datagram queue's peeks (`peek_sizes`: borrow the fd,
one MSG_PEEK per message), and `Sockets.rows`, the whole of `state.sockets` for one event
(lookups, fdinfo's scm_fds, peeks). Also the once-a-run cost of making the sock_diag socket in
the run's namespace (`open_in`, a forked child that joins it).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _service import machine  # noqa: E402

from app.kernel import procfs, sock_diag  # noqa: E402
from app.kernel.sockets import Sockets, inode, peek_sizes  # noqa: E402

ROUNDS = 500
TRIALS = 5
PAIRS = (1, 4, 16)  # datagram pairs besides the one stream pair
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def best(work: Any, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(TRIALS):
        t0 = time.perf_counter()
        for _ in range(rounds):
            work()
        times.append((time.perf_counter() - t0) / rounds)
    return min(times) * 1e6


def holder(pairs: int) -> int:
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        if _libc.unshare(CLONE_NEWNET) != 0:
            os._exit(1)
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        a.send(b"x" * 1000)
        b.send(b"y" * 10)
        kept = [a, b]
        for _ in range(pairs):
            c, d = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
            for message in (b"first\n", b"second\n", b"third\n"):
                c.send(message)
            kept += [c, d]
        os.write(ready_w, b"!")
        signal.pause()
        os._exit(0)
    os.read(ready_r, 1)
    return pid


def measure(pairs: int) -> tuple[int, float, float, float, float]:
    """(sockets, query µs, peek µs, rows µs, open_in ms) for one holder of `pairs`."""
    pid = holder(pairs)
    try:
        pidfd = os.pidfd_open(pid)
        fds = procfs.fd_table(pid) or []
        socks = [r for r in fds if r["kind"] == "socket"]
        inodes = [i for r in socks if (i := inode(r["target"])) is not None]
        t0 = time.perf_counter()
        diag = sock_diag.open_in(pid)
        opened = (time.perf_counter() - t0) * 1e3
        assert diag is not None, "no sock_diag socket in the holder's namespace"
        found = sock_diag.query(diag, inodes)
        receiving = next(r for r in socks if found[inode(r["target"]) or 0].rqueue == 6)
        held = [(pid, pidfd, receiving["fd"])]
        assert peek_sizes(held, None) == [6, 7, 6]
        reader = Sockets()
        reader.diag, reader.tried = diag, True
        query = best(lambda: sock_diag.query(diag, inodes))
        peek = best(lambda: peek_sizes(held, None))
        rows = best(lambda: reader.rows([(pid, pidfd, fds)]))
        diag.close()
        os.close(pidfd)
        return len(inodes), query, peek, rows, opened
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def main() -> None:
    print(machine())
    print("| datagram pairs | sockets | sock_diag.query | peek one queue (3 messages) | rows |")
    print("|---:|---:|---:|---:|---:|")
    opened = []
    for pairs in PAIRS:
        n, query, peek, rows, took = measure(pairs)
        opened.append(took)
        print(f"| {pairs} | {n} | {query:.1f} µs | {peek:.1f} µs | {rows:.1f} µs |")
    print(f"open_in (once a run): {min(opened):.1f}–{max(opened):.1f} ms")


if __name__ == "__main__":
    main()

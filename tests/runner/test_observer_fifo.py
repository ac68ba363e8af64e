"""The independent observer, for FIFOs and the file types: after every step of a step-mode
run, the test's own reads of the kernel (readlink, stat, FIONREAD and F_GETPIPE_SZ through
its own pidfd_getfd, wchan) agree with the event's state.

Nothing here comes from app/kernel; the run is driven as test_observer.py drives it, and its
checks of fds, files and pipes run too.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import stat
import struct
import termios
from typing import Any

import pytest
from support import ForkServer
from test_observer import RETRIES, Moved, Stream, differences, moves_by_itself, read, tail

_libc = ctypes.CDLL(None, use_errno=True)
SYS_PIDFD_GETFD, F_GETPIPE_SZ = 438, 1032
TYPES = {
    stat.S_IFREG: "regular",
    stat.S_IFDIR: "directory",
    stat.S_IFLNK: "symlink",
    stat.S_IFCHR: "char",
    stat.S_IFBLK: "block",
    stat.S_IFIFO: "fifo",
    stat.S_IFSOCK: "socket",
}
RUNS = [("fifo-rendezvous", {}), ("fifo-rendezvous", {"writer_first": True}), ("fifo-enxio", {})]


def borrowed(pid: int, fd: int) -> tuple[int, int]:
    """(FIONREAD, F_GETPIPE_SZ) of pid's fd, through the test's own pidfd_getfd."""
    try:
        pidfd = os.pidfd_open(pid)
    except OSError as exc:
        raise Moved(f"pidfd_open {pid}: {exc}") from None
    try:
        mine = _libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if mine < 0:
            raise Moved(f"pidfd_getfd {pid} {fd}: {os.strerror(ctypes.get_errno())}")
        try:
            queued = struct.unpack("i", fcntl.ioctl(mine, termios.FIONREAD, b"\0" * 4))[0]
            return int(queued), fcntl.fcntl(mine, F_GETPIPE_SZ)
        finally:
            os.close(mine)
    finally:
        os.close(pidfd)


def fifo_differences(state: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    try:
        return compare_fifos(state, events)
    except Moved as moved:
        return [f"the kernel moved while read: {moved}"]


def compare_fifos(state: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    pipes = {p["id"]: p for p in state["pipes"]}
    for proc in state["procs"]:
        if proc["status"] in ("exited", "killed"):
            continue
        pid = proc["pid"]
        for row in proc["fds"]:
            link = f"/proc/{pid}/fd/{row['fd']}"
            try:
                target, info = os.readlink(link), os.stat(link)
            except OSError:
                raise Moved(f"{pid} fd {row['fd']} closed while read") from None
            kind = TYPES.get(stat.S_IFMT(info.st_mode))
            if row["type"] != kind:
                out.append(f"{pid} fd {row['fd']}: type {row['type']}, stat says {kind}")
            named = target.startswith("/") and kind == "fifo"
            if named != (row["kind"] == "fifo"):
                out.append(f"{pid} fd {row['fd']} ({target}): kind {row['kind']}")
            if not named:
                continue
            if row["pipe"] != f"fifo:[{info.st_ino}]" or row["target"] != target:
                out.append(f"{pid} fd {row['fd']}: {row['pipe']} {row['target']}, kernel {target}")
            fifo = pipes.get(row["pipe"])
            if fifo is None:
                out.append(f"{row['pipe']}: held by {pid} fd {row['fd']}, not shown")
                continue
            seen = {"kind": "fifo", "path": target}
            seen["bytes"], seen["capacity"] = borrowed(pid, row["fd"])
            shown = {k: fifo[k] for k in seen}
            if shown != seen:
                out.append(f"{row['pipe']}: shown {shown}, kernel {seen}")
        on = proc["blocked_on"]
        if on and on["call"] == "open":
            wchan = (read(f"/proc/{pid}/wchan") or "").strip()
            if not wchan.endswith("wait_for_partner") or on["wchan"] != wchan:
                out.append(f"{pid}: blocked in open at {on['wchan']}, kernel {wchan}")
            asked = opened_last(events, pid)
            if on["path"] != asked:
                out.append(f"{pid}: blocked on {on['path']}, its open asked for {asked}")
    return out


def opened_last(events: list[dict[str, Any]], pid: int) -> str | None:
    """The path pid's last open went in with (the blocked one names no fd, only this)."""
    entered = [e for e in events if e["type"] == "call.enter" and e["pid"] == pid]
    return entered[-1]["args"]["path"] if entered and entered[-1]["call"] == "open" else None


@pytest.mark.parametrize(("name", "params"), RUNS, ids=lambda v: str(v) if v else "")
def test_fifo_state_matches_the_kernel_read_independently(
    forkserver: ForkServer, name: str, params: dict[str, Any]
) -> None:
    run = forkserver.scenario(name, params, mode="step", limits={"wall_s": 60})
    stream = Stream(run)
    checked = fifo_states = blocked_opens = 0
    try:
        while True:
            event = stream.still()
            if event["type"] == "run.end":
                break

            def problems_of(state: dict[str, Any]) -> list[str]:
                return differences(state) + fifo_differences(state, run.events)

            problems = problems_of(event["state"])
            tries = 0
            while problems and tries < RETRIES and stream.take(1.0):
                tries += 1
                event = stream.still()
                problems = problems_of(event["state"]) if event["type"] != "run.end" else []
            assert not problems, f"{name} at {event['seq']}: {problems}; {tail(run.events)}"
            if event["type"] == "run.end":
                break
            checked += 1
            fifo_states += any(p["kind"] == "fifo" for p in event["state"]["pipes"])
            blocked_opens += any(
                (p["blocked_on"] or {}).get("call") == "open" for p in event["state"]["procs"]
            )
            if any(p["next"] for p in event["state"]["procs"]):
                run.control(op="step")
            elif not moves_by_itself(event["state"]):
                run.control(op="kill")
            stream.take(1.0)
    finally:
        run.close()
    assert checked > 5 and fifo_states > 2
    assert blocked_opens >= (1 if name == "fifo-rendezvous" else 0)
    assert run.events[-1]["reason"] == "exited", run.events[-1]["message"]

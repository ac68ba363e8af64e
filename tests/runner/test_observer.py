"""An independent observer: after every step of a step-mode run, the test reads the kernel
itself and checks the event's state against it.

Nothing here comes from app/kernel: the test lists /proc/PID/fd, reads fdinfo flags and wchan,
borrows each pipe end with its own pidfd_getfd to ask FIONREAD, and sorts fds into open files
with its own kcmp. It runs over every built-in runner scenario (the traced ones are strace's).
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import re
import select
import stat
import struct
import termios
from typing import Any

import pytest
from support import ForkServer, Run

from app.scenarios import catalog

_libc = ctypes.CDLL(None, use_errno=True)
SYS_KCMP, KCMP_FILE, SYS_PIDFD_GETFD = 312, 0, 438
SOCKET_SLEEPS = r"unix_stream_read_generic|__skb_wait_for_more_packets|sock_alloc_send_pskb"
SLEEPS = re.compile(
    r"(pipe_(read|write)|pipe_wait\w*|do_wait|nanosleep|pause|sigsuspend[\w.]*|do_sigtimedwait[\w.]*"
    rf"|wait_for_partner|{SOCKET_SLEEPS}|unix_wait_for_peer)$"
)
QUIET_S = 0.04  # no event for this long after a settled state: the run is still
RETRIES = 40
RUNNER_SCENARIOS = [s.name for s in catalog.all_scenarios() if s.backend == "runner"]


# -- the observer's own reading of the kernel ----------------------------------------------
class Moved(Exception):
    """Something closed while the observer was reading it: an exec'd program runs freely."""


def read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def fd_rows(pid: int) -> dict[int, tuple[str, int]] | None:
    """fd -> (target, fdinfo flags), the runner's own channels (fds >= 1000) left out."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    rows = {}
    for name in names:
        if int(name) >= 1000:
            continue
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            raise Moved(f"{pid} fd {name} closed while listed") from None
        found = re.search(r"^flags:\s+(\d+)", read(f"/proc/{pid}/fdinfo/{name}") or "", re.M)
        if found is None:
            raise Moved(f"{pid} fd {name} closed while listed")
        rows[int(name)] = (target, int(found.group(1), 8))
    return rows


def held_pipe(pid: int, fd: int, target: str) -> str | None:
    """The pipe an fd is on, by the observer's own stat: an anonymous pipe's link names it,
    a FIFO's link is its path, and the inode behind it is its identity."""
    if target.startswith("pipe:"):
        return target
    if target.startswith("/"):
        try:
            info = os.stat(f"/proc/{pid}/fd/{fd}")
        except OSError:
            raise Moved(f"{pid} fd {fd} closed while listed") from None
        if stat.S_ISFIFO(info.st_mode):
            return f"fifo:[{info.st_ino}]"
    return None


def same_file(a: tuple[int, int], b: tuple[int, int]) -> bool:
    ret = _libc.syscall(SYS_KCMP, a[0], b[0], KCMP_FILE, a[1], b[1])
    if ret < 0:
        raise Moved(f"kcmp {a} {b}: {os.strerror(ctypes.get_errno())}")
    return bool(ret == 0)


def open_files(refs: list[tuple[int, int]]) -> set[frozenset[tuple[int, int]]]:
    """Every fd compared with one of each file found so far: no shortcut, no cache."""
    files: list[list[tuple[int, int]]] = []
    for ref in refs:
        home = next((f for f in files if same_file(f[0], ref)), None)
        if home is None:
            files.append([ref])
        else:
            home.append(ref)
    return {frozenset(f) for f in files}


def queued(pid: int, fd: int) -> int:
    try:
        pidfd = os.pidfd_open(pid)
    except OSError as exc:
        raise Moved(f"pidfd_open {pid}: {exc}") from None
    try:
        mine = _libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if mine < 0:
            raise Moved(f"pidfd_getfd {pid} {fd}: {os.strerror(ctypes.get_errno())}")
        try:
            return int(struct.unpack("i", fcntl.ioctl(mine, termios.FIONREAD, b"\0" * 4))[0])
        finally:
            os.close(mine)
    finally:
        os.close(pidfd)


def sleeping_in(pid: int) -> tuple[str, int | None] | None:
    """(wchan, fd argument) when the kernel has pid asleep in a pipe, a wait or a sleep."""
    stat = read(f"/proc/{pid}/stat") or ""
    if stat.rsplit(")", 1)[-1].split()[:1] not in (["S"], ["D"]):
        return None
    wchan = (read(f"/proc/{pid}/wchan") or "").strip()
    if not SLEEPS.search(wchan):
        return None
    syscall = (read(f"/proc/{pid}/syscall") or "").split()
    waits_on_fd = "pipe" in wchan or re.search(SOCKET_SLEEPS, wchan)
    fd = int(syscall[1], 16) if waits_on_fd and len(syscall) > 1 else None
    if fd is not None and fd >= 1000:
        return None  # on the runner's channel, waiting to be let go: in no call of its own
    return wchan, fd


# -- comparing -----------------------------------------------------------------------------
def differences(state: dict[str, Any]) -> list[str]:
    """Where the state and the kernel disagree, in words; empty when they agree."""
    try:
        return compare(state)
    except Moved as moved:
        return [f"the kernel moved while read: {moved}"]


def compare(state: dict[str, Any]) -> list[str]:
    out: list[str] = []
    live = [p for p in state["procs"] if p["status"] not in ("exited", "killed")]
    kernel: dict[int, dict[int, tuple[str, int]]] = {}
    for proc in live:
        pid = proc["pid"]
        rows = fd_rows(pid)
        if rows is None:
            out.append(f"{pid}: shown {proc['status']}, but gone from /proc")
            continue
        kernel[pid] = rows
        shown = {
            r["fd"]: (r["target"], r["mode"], r["nonblock"], r["cloexec"]) for r in proc["fds"]
        }
        seen = {
            fd: (t, {0: "r", 1: "w"}.get(f & 3, "rw"), bool(f & 0o4000), bool(f & 0o2000000))
            for fd, (t, f) in rows.items()
        }
        if shown != seen:
            out.append(f"{pid}: fds shown {shown}, kernel {seen}")
        asleep = sleeping_in(pid)
        if (proc["status"] == "blocked") != (asleep is not None):
            out.append(f"{pid}: shown {proc['status']}, kernel asleep in {asleep}")
        elif asleep and asleep[1] is not None and proc["blocked_on"]["fd"] != asleep[1]:
            out.append(f"{pid}: blocked on fd {proc['blocked_on']['fd']}, kernel {asleep[1]}")
    for proc in state["procs"]:
        if proc["zombie"] and not (read(f"/proc/{proc['pid']}/stat") or "").count(") Z "):
            out.append(f"{proc['pid']}: shown a zombie, the kernel disagrees")
    if out:
        return out
    refs = sorted((pid, fd) for pid, rows in kernel.items() for fd in rows)
    files = open_files(refs)
    shown_files = {frozenset((r["pid"], r["fd"]) for r in f["refs"]) for f in state["files"]}
    if files != shown_files:
        out.append(f"open files shown {shown_files}, kernel {files}")
    by_id = {f["id"]: f for f in state["files"]}
    for proc in live:
        for row in proc["fds"]:
            file = by_id.get(row["file"])
            if file is None or {"pid": proc["pid"], "fd": row["fd"]} not in file["refs"]:
                out.append(f"{proc['pid']} fd {row['fd']}: names file {row['file']}")
            elif file["nonblock"] != row["nonblock"] or file["object"] != (
                row["pipe"] or row["target"]
            ):
                out.append(f"{proc['pid']} fd {row['fd']}: file {file} disagrees with its row")
    on_pipe = {
        (pid, fd): held_pipe(pid, fd, t)
        for pid, rows in kernel.items()
        for fd, (t, _) in rows.items()
    }
    pipes_held = {p for p in on_pipe.values() if p is not None}
    # A pipe end passed over a socket and not yet received is in no fd table, yet the kernel
    # keeps the pipe: test_observer_sockets.py checks that count (fdinfo scm_fds).
    flying = {f["target"] for s in state["sockets"] for f in s["in_flight"] or []}
    if pipes_held | (flying & {p["id"] for p in state["pipes"]}) != {
        p["id"] for p in state["pipes"]
    }:
        out.append(f"pipes shown {[p['id'] for p in state['pipes']]}, held {pipes_held}")
    for pipe in state["pipes"]:
        on = [
            (pid, fd, f)
            for pid, rows in kernel.items()
            for fd, (_, f) in rows.items()
            if on_pipe[(pid, fd)] == pipe["id"]
        ]
        if not on:
            continue
        counts = {"reader_fds": 0, "writer_fds": 0}
        for _, _, flags in on:
            counts["reader_fds"] += flags & 3 in (0, 2)
            counts["writer_fds"] += flags & 3 in (1, 2)
        ends = {"readers": set(), "writers": set()}
        for pid, fd, flags in on:
            file = next(f for f in files if (pid, fd) in f)
            if flags & 3 in (0, 2):
                ends["readers"].add(file)
            if flags & 3 in (1, 2):
                ends["writers"].add(file)
        seen = {**counts, "readers": len(ends["readers"]), "writers": len(ends["writers"])}
        seen["bytes"] = queued(on[0][0], on[0][1])
        shown = {k: pipe[k] for k in seen}
        if shown != seen:
            out.append(f"{pipe['id']}: shown {shown}, kernel {seen}")
    return out


# -- driving a step-mode run ---------------------------------------------------------------
class Stream:
    """The run's events, read so that the test can tell when no more are coming."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.buf = b""
        self.ended = False

    def take(self, timeout: float) -> bool:
        """Read what the supervisor sent within timeout; False when nothing came."""
        if self.ended or not select.select([self.run.sock], [], [], timeout)[0]:
            return False
        data = self.run.sock.recv(1 << 20)
        if not data:
            self.ended = True
            return False
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        for line in lines:
            self.run.events.append(json.loads(line))
        return True

    def last(self) -> dict[str, Any]:
        return self.run.events[-1]

    def still(self) -> dict[str, Any]:
        """The last event, once the run has settled: every process waits to be let go, sleeps
        in the kernel, or runs an exec'd program, and nothing more comes for a moment."""
        while not self.ended:
            if not (self.run.events and settled(self.last())):
                self.take(1.0)
            elif not self.take(QUIET_S):
                break
        return self.last()


def settled(event: dict[str, Any]) -> bool:
    if event["type"] in ("run.start", "run.end"):
        return event["type"] == "run.end"  # no process yet: the first is on its way
    live = [p for p in event["state"]["procs"] if p["status"] not in ("exited", "killed")]
    return all(p["next"] or p["status"] in ("blocked", "stopped") or p["program"] for p in live)


def moves_by_itself(state: dict[str, Any]) -> bool:
    """An exec'd program, or a sleep that ends on its own, may still change the world."""
    for proc in state["procs"]:
        if proc["status"] in ("exited", "killed"):
            continue
        on = proc["blocked_on"] or {}
        if proc["program"] or on.get("call") == "clock_nanosleep":
            return True
    return False


def tail(events: list[dict[str, Any]]) -> list[Any]:
    """The last events, briefly, for a failure's message."""
    return [
        (
            e["seq"],
            e["t"],
            e["type"],
            e["pid"],
            e.get("call"),
            [p["status"] for p in e["state"]["procs"]],
        )
        for e in events[-6:]
    ]


@pytest.mark.parametrize("name", RUNNER_SCENARIOS)
def test_every_step_matches_the_kernel_read_independently(
    forkserver: ForkServer, name: str
) -> None:
    run = forkserver.scenario(name, mode="step", limits={"wall_s": 60})
    stream = Stream(run)
    checked = later = 0
    try:
        while True:
            event = stream.still()
            if event["type"] == "run.end":
                break
            problems = differences(event["state"])
            tries = 0
            # The world may move after an event (an exec'd program, a sleep ending, a call the
            # kernel woke): the run must then say so in an event of its own, soon.
            while problems and tries < RETRIES and stream.take(1.0):
                tries += 1
                event = stream.still()
                problems = differences(event["state"]) if event["type"] != "run.end" else []
            assert not problems, f"{name} at {event['seq']}: {problems}; {tail(run.events)}"
            checked, later = checked + 1, later + bool(tries)
            if event["type"] == "run.end":
                break
            waiting = [p for p in event["state"]["procs"] if p["next"]]
            if waiting:
                run.control(op="step")
            elif not moves_by_itself(event["state"]):
                run.control(op="kill")  # every process blocked for good (forgot-close)
            stream.take(1.0)
    finally:
        run.close()
    print(f"{name}: {checked} still points checked, {later} of them told by a later event")
    assert checked > 3
    assert run.events[-1]["reason"] in ("exited", "killed"), run.events[-1]["message"]

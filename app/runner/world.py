"""The run's world as the kernel shows it, in its three layers: each process's fds, the open
files they point to (shared by fork and dup), and each pipe with its bytes and ring.

`World.snapshot()` is taken for every event, so every event carries the whole state. The
terminal is the exception: its text grows without bound, so an event carries only where the
terminal stands (`output_at`) and what it added (see `take_output`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from app.kernel import fifo, pipes, procfs, shm, signals
from app.kernel.ring import PAGE, RingModel
from app.kernel.ring_bytes import UNSEEN, Written
from app.kernel.sockets import Sockets
from app.runner.escape import written
from app.runner.moves import ring_moves
from app.runner.open_files import OpenFiles


@dataclass
class Proc:
    """The supervisor's record of one process of the run."""

    pid: int
    ppid: int
    role: str
    order: int
    pidfd: int | None = None
    program: list[str] | None = None
    ready: dict[str, Any] | None = None  # the call it waits to be let go into
    in_call: dict[str, Any] | None = None  # the call it is in, once let go
    blocked_on: dict[str, Any] | None = None
    exited: bool = False
    killed: bool = False
    exit_code: int | None = None
    signal: str | None = None
    reaped: bool = False
    fds: list[dict[str, Any]] = field(default_factory=list)
    flags_seen: dict[tuple[int, str], int] = field(default_factory=dict)
    fd_flags: dict[int, int] = field(default_factory=dict)  # fdinfo flags of the rows in fds
    unreadable: bool = False  # alive, but its /proc may no longer be read
    stopped: bool = False  # state T: a stop signal's doing, until SIGCONT
    signals: dict[str, list[str]] | None = None  # its five signal sets, read at each event
    threads: list[dict[str, Any]] = field(default_factory=list)  # strace: its threads, if any

    def forget_flags(self) -> None:
        """After a call that may change fd flags (fcntl, dup2, execve), read them afresh."""
        self.flags_seen.clear()

    @property
    def name(self) -> str:
        return os.path.basename(self.program[0]) if self.program else self.role

    @property
    def status(self) -> str:
        if self.killed:
            return "killed"
        if self.exited:
            return "exited"
        if self.unreadable:
            return "unknown"
        if self.stopped:
            return "stopped"
        return "blocked" if self.blocked_on else "running"

    def fd_pipe(self, fd: int) -> str | None:
        return next((row["pipe"] for row in self.fds if row["fd"] == fd), None)

    def fd_socket(self, fd: int) -> str | None:
        return next((row["socket"] for row in self.fds if row["fd"] == fd), None)

    def asleep(self, call: str, args: dict[str, Any], fd: int | None, wchan: str) -> dict[str, Any]:
        """Its `blocked_on` while the kernel has `call` asleep at `wchan` (on `fd`, when
        /proc/PID/syscall names one): the fd's pipe or socket, and the path it waits on."""
        row = next((r for r in self.fds if r["fd"] == fd), None) if fd is not None else None
        pipe = row["pipe"] if row else None
        sock = row.get("socket") if row else None
        path = fifo.waits_on(call, args, row)
        return {"call": call, "fd": fd, "pipe": pipe, "socket": sock, "wchan": wchan, "path": path}

    def to_json(self) -> dict[str, Any]:
        nxt = self.ready
        return {
            "pid": self.pid,
            "ppid": self.ppid,
            "name": self.name,
            "role": self.role,
            "program": self.program,
            "status": self.status,
            "blocked_on": self.blocked_on,
            "next": {"call": nxt["call"], "args": nxt["args"], "line": nxt["line"]}
            if nxt
            else None,
            "exit_code": self.exit_code,
            "signal": self.signal,
            "zombie": (self.exited or self.killed) and not self.reaped,
            "reaped": self.reaped,
            "fds": self.fds if not (self.exited or self.killed) else [],
            "signals": self.signals if not (self.exited or self.killed) else None,
            "threads": self.threads,
        }


class World:
    def __init__(self) -> None:
        self.procs: dict[int, Proc] = {}
        self.rings: dict[str, RingModel] = {}
        self.output_at = 0  # characters the terminal has received
        self.output_new: list[str] = []  # what it received since the last event went out
        self.files = OpenFiles()
        self.sockets = Sockets()
        # Bytes the kernel has already moved in each pipe for woken calls whose events come
        # after the one being sent (the supervisor's ordering rule): not yet in that state.
        self.ahead: dict[str, int] = {}
        self.mappings = shm.Mappings()
        # The strace backend's still points: processes inside a call that changes their fd
        # table keep the table of the last event until the call's own event (`frozen`), and
        # pipes a call is moving bytes in show the bytes the calls told so far (`unsettled`).
        self.frozen: set[int] = set()
        self.unsettled: set[str] = set()

    def add_output(self, text: str) -> None:
        self.output_new.append(text)
        self.output_at += len(text)

    def take_output(self) -> tuple[int, str]:
        """Where the terminal stands, and the text that came since the last call: the next
        event carries these, so every character of output is in exactly one event."""
        new = "".join(self.output_new)
        self.output_new.clear()
        return self.output_at, new

    def live(self) -> list[Proc]:
        return [p for p in self.procs.values() if not (p.exited or p.killed)]

    def refresh_fds(self) -> None:
        for proc in self.live():
            # An exec'd program may set flags unseen: its fdinfo is always read afresh.
            flags: dict[int, int] = {}
            table = procfs.fd_table(proc.pid, None if proc.program else proc.flags_seen, flags)
            st = procfs.stat(proc.pid)
            if st is not None and st.state == "Z" and not table:
                # Dead, its exit not yet told (a woken write's EPIPE and SIGPIPE come first,
                # in kernel order): its files went at that exit, so show them until then.
                table = None
            if table is not None and not (proc.pid in self.frozen and proc.fds):
                proc.fds, proc.fd_flags = table, flags
            if st is not None and st.ppid:
                proc.ppid = st.ppid  # an orphan is adopted: show its new parent
            proc.stopped = st is not None and st.state == "T"
            proc.unreadable = unreadable(proc, table, st)

    def apply_call(
        self,
        proc: Proc,
        call: str,
        args: dict[str, Any],
        ret: int,
        resumed: bool = False,
        source: Written = UNSEEN,
        start: int = 0,
    ) -> None:
        """Move the ring model by a call we saw return (exact); `resumed`: what a woken call
        moved after its sleep (ret is then that part only, from the write's byte `start`).
        `source`: a write's bytes (`writes`)."""
        self.mappings.note(proc.pid, call, args, ret)
        self.sockets.apply_call(proc.fd_socket, call, args, ret)
        if call == "fcntl":
            # Status flags live in the open file: every fd sharing it sees the change.
            for other in self.procs.values():
                other.forget_flags()
        if ret <= 0:
            return
        if call == "fcntl" and args.get("cmd") == "F_SETPIPE_SZ":
            ring = self.rings.get(proc.fd_pipe(args.get("fd", -1)) or "")
            if ring is not None:
                ring.resize(ret)
            return
        for fd, way in ring_moves(call, args, lambda fd: end_of(proc, fd)):
            pipe = proc.fd_pipe(fd) if isinstance(fd, int) else None
            ring = self.rings.get(pipe or "")
            if ring is None:
                continue
            if way == "write":
                ring.write(ret, resumed=resumed, source=source, start=start)
            else:
                ring.read(ret)

    def snapshot(self) -> dict[str, Any]:
        self.refresh_fds()
        live = self.live()
        for pid, sets in signals.of_procs([p.pid for p in live]).items():
            self.procs[pid].signals = sets
        files = self.files.assemble([(p.pid, p.fds, p.fd_flags) for p in live])
        pipe_rows: dict[str, dict[str, Any]] = {}
        holders: dict[str, list[tuple[Proc, int]]] = {}
        for proc in live:
            for row in proc.fds:
                pid_ = row["pipe"]
                if pid_ is None:
                    continue
                if pid_ not in pipe_rows:
                    new = new_pipe_row(pid_, files is not None) | fifo.pipe_fields(row)
                    pipe_rows[pid_] = new
                entry = pipe_rows[pid_]
                if row["mode"] in ("r", "rw"):
                    entry["reader_fds"] += 1
                if row["mode"] in ("w", "rw"):
                    entry["writer_fds"] += 1
                holders.setdefault(pid_, []).append((proc, row["fd"]))
        sockets = self.sockets.rows(((p.pid, p.pidfd, p.fds) for p in live), self.ahead)
        for flying in in_flight(sockets):
            # An end passed with SCM_RIGHTS and not yet received: the kernel keeps the pipe
            # (and its bytes) though no fd table holds it.
            if flying.startswith("pipe:") and flying not in pipe_rows:
                pipe_rows[flying] = new_pipe_row(flying, files is not None) | fifo.ANONYMOUS
        for file in files or []:
            entry = pipe_rows.get(file["object"], {})
            if "readers" in entry and file["end"] in ("read", "both"):
                entry["readers"] += 1
            if "writers" in entry and file["end"] in ("write", "both"):
                entry["writers"] += 1
        for gone in set(self.rings) - set(pipe_rows):
            del self.rings[gone]  # the last end closed: the kernel freed the pipe
        for pipe_id, entry in pipe_rows.items():
            measured = measure_through(holders.get(pipe_id, []))
            ring = self.rings.get(pipe_id)
            if ring is None:
                ring = self.rings[pipe_id] = RingModel()
            if measured is not None:
                queued, capacity = measured
                queued -= self.ahead.get(pipe_id, 0)
                if capacity // PAGE != ring.nslots:
                    ring.resize(capacity)
                if pipe_id in self.unsettled:
                    queued = ring.bytes  # a call moves bytes here now: told at its return
                ring.reconcile(queued)
                entry["bytes"], entry["capacity"] = queued, capacity
            else:
                entry["bytes"], entry["capacity"] = None, None
            entry["ring"] = ring.to_json()
        return {
            "procs": [p.to_json() for p in sorted(self.procs.values(), key=lambda p: p.order)],
            "files": files,
            "pipes": sorted(pipe_rows.values(), key=lambda e: str(e["id"])),
            "mappings": self.mappings.rows(live),
            "sockets": sockets,
        }


def writes(proc: Proc, call: dict[str, Any], ret: dict[str, Any] | None = None) -> Written:
    """The bytes of a write call, for the ring's pages: its whole buffer's runs, as our own
    processes tell them at entry, or as its return gives them (strace's, the first 64)."""
    if call.get("bytes") is not None:
        return written(proc.pid, None, call["bytes"])
    if ret is not None and (ret.get("data") is not None or ret.get("runs") is not None):
        return written(proc.pid, ret.get("data"), ret.get("runs"))
    return written(proc.pid, call["args"].get("buf"))


def end_of(proc: Proc, fd: int) -> str | None:
    return next((row["end"] for row in proc.fds if row["fd"] == fd), None)


def in_flight(sockets: list[dict[str, Any]]) -> set[str]:
    """The targets of every file passed over a socket and not yet received."""
    return {f["target"] for s in sockets for f in s["in_flight"] or [] if f["target"]}


def new_pipe_row(pipe_id: str, files_known: bool) -> dict[str, Any]:
    """readers/writers count open files (the kernel's own counts): unknown without them.
    `kind` and `path` (a FIFO's) come from its fds (app/kernel/fifo.py)."""
    count = 0 if files_known else None
    return {"id": pipe_id, "readers": count, "writers": count, "reader_fds": 0, "writer_fds": 0}


def unreadable(proc: Proc, table: list[dict[str, Any]] | None, st: procfs.ProcStat | None) -> bool:
    """Alive but unseen: its fd table refused, or (an exec'd program, which reports nothing)
    asleep with wchan `0`, which is what the kernel prints to a reader it refuses. A zombie,
    or one gone from /proc, is not unknown: it is ending, and its exit is on its way."""
    if st is None or st.state in ("Z", "X"):
        return False
    if table is None:
        return True
    if not proc.program or st.state not in ("S", "D") or procfs.wchan(proc.pid) != "0":
        return False
    # A sleeper that woke between the two reads shows wchan `0` too, as it runs: unknown
    # only if it still sleeps after the wchan was read.
    again = procfs.stat(proc.pid)
    return again is not None and again.state in ("S", "D")


def queued(world: World, pipe_id: str) -> int | None:
    """FIONREAD of one pipe now, through any live process holding it."""
    holders = [(p, r["fd"]) for p in world.live() for r in p.fds if r["pipe"] == pipe_id]
    measured = measure_through(holders)
    return measured[0] if measured is not None else None


def measure_through(holders: list[tuple[Proc, int]]) -> tuple[int, int] | None:
    """Ask the kernel through the first holder that answers: one may be exiting right now,
    its files already going, while another still holds the pipe."""
    for proc, fd in holders:
        if proc.pidfd is not None and (measured := pipes.measure(proc.pidfd, fd)) is not None:
            return measured
    return None


def opened_on(row: dict[str, Any]) -> str:
    """What an fd row is open on, for telling whether it still is: a pipe's or FIFO's id
    (a FIFO's link changes when it is unlinked; the fd does not), else its target."""
    return str(row["pipe"] or row["target"])


NOTHING_GONE: dict[str, list[dict[str, Any]]] = {
    "fds": [],
    "files": [],
    "pipes": [],
    "mappings": [],
    "sockets": [],
}


def gone(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """What the last event took away: fds closed or replaced (close, dup2 over, exit), open
    files whose last reference went, and pipes freed with their last end, as they were. Each
    event carries this, so a page draws a closed row fading out from that event alone, never
    looking at the one before."""
    now = {(p["pid"], r["fd"], opened_on(r)) for p in after["procs"] for r in p["fds"]}
    fds = [
        {"pid": p["pid"], **r}
        for p in before.get("procs", [])
        for r in p["fds"]
        if (p["pid"], r["fd"], opened_on(r)) not in now
    ]
    alive = {pipe["id"] for pipe in after["pipes"]}
    pipes = [pipe for pipe in before.get("pipes", []) if pipe["id"] not in alive]
    # Files unknown now (the kernel refused kcmp) were not closed: only known ones can go.
    still = {file["id"] for file in after["files"] or []}
    known_after = after["files"] is not None
    files = [f for f in before.get("files") or [] if known_after and f["id"] not in still]
    shm.mark_changed(before, after)  # what this event changed in a mapping's bytes
    sockets = [s for s in before.get("sockets", []) if s["id"] not in alive_ids(after["sockets"])]
    return {
        "fds": fds,
        "files": files,
        "pipes": pipes,
        "mappings": shm.gone(before, after),
        "sockets": sockets,
    }


def alive_ids(rows: list[dict[str, Any]]) -> set[str]:
    return {row["id"] for row in rows}

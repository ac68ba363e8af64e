"""The run's world as the kernel shows it: each process's fds, each pipe's bytes and ring.

`World.snapshot()` is taken for every event, so every event carries the whole state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from app.kernel import pipes, procfs
from app.kernel.ring import PAGE, RingModel

OUTPUT_CAP = 8192


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
        return "blocked" if self.blocked_on else "running"

    def fd_pipe(self, fd: int) -> str | None:
        return next((row["pipe"] for row in self.fds if row["fd"] == fd), None)

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
        }


class World:
    def __init__(self) -> None:
        self.procs: dict[int, Proc] = {}
        self.rings: dict[str, RingModel] = {}
        self.output = ""
        # Bytes the kernel has already moved in each pipe for woken calls whose events come
        # after the one being sent (the supervisor's ordering rule): not yet in that state.
        self.ahead: dict[str, int] = {}

    def add_output(self, text: str) -> None:
        self.output = (self.output + text)[-OUTPUT_CAP:]

    def live(self) -> list[Proc]:
        return [p for p in self.procs.values() if not (p.exited or p.killed)]

    def refresh_fds(self) -> None:
        for proc in self.live():
            # An exec'd program may set flags unseen: its fdinfo is always read afresh.
            table = procfs.fd_table(proc.pid, None if proc.program else proc.flags_seen)
            st = procfs.stat(proc.pid)
            if st is not None and st.state == "Z" and not table:
                # Dead, its exit not yet told (a woken write's EPIPE and SIGPIPE come first,
                # in kernel order): its files went at that exit, so show them until then.
                table = None
            if table is not None:
                proc.fds = table
            if st is not None and st.ppid:
                proc.ppid = st.ppid  # an orphan is adopted: show its new parent

    def apply_call(
        self, proc: Proc, call: str, args: dict[str, Any], ret: int, resumed: bool = False
    ) -> None:
        """Move the ring model by a call we saw return (exact); `resumed`: what a woken call
        moved after its sleep (ret is then that part only)."""
        if ret <= 0 or "fd" not in args:
            return
        ring = self.rings.get(proc.fd_pipe(args["fd"]) or "")
        if ring is None:
            return
        if call == "write":
            ring.write(ret, resumed=resumed)
        elif call == "read":
            ring.read(ret)
        elif call == "fcntl" and args.get("cmd") == "F_SETPIPE_SZ":
            ring.resize(ret)

    def snapshot(self) -> dict[str, Any]:
        self.refresh_fds()
        pipe_rows: dict[str, dict[str, Any]] = {}
        holders: dict[str, list[tuple[Proc, int]]] = {}
        for proc in self.live():
            for row in proc.fds:
                pid_ = row["pipe"]
                if pid_ is None:
                    continue
                entry = pipe_rows.setdefault(pid_, {"id": pid_, "readers": 0, "writers": 0})
                if row["mode"] in ("r", "rw"):
                    entry["readers"] += 1
                if row["mode"] in ("w", "rw"):
                    entry["writers"] += 1
                holders.setdefault(pid_, []).append((proc, row["fd"]))
        for gone in set(self.rings) - set(pipe_rows):
            del self.rings[gone]  # the last end closed: the kernel freed the pipe
        for pipe_id, entry in pipe_rows.items():
            measured = measure_through(holders[pipe_id])
            ring = self.rings.get(pipe_id)
            if ring is None:
                ring = self.rings[pipe_id] = RingModel()
            if measured is not None:
                queued, capacity = measured
                queued -= self.ahead.get(pipe_id, 0)
                if capacity // PAGE != ring.nslots:
                    ring.resize(capacity)
                ring.reconcile(queued)
                entry["bytes"], entry["capacity"] = queued, capacity
            else:
                entry["bytes"], entry["capacity"] = None, None
            entry["ring"] = ring.to_json()
        return {
            "procs": [p.to_json() for p in sorted(self.procs.values(), key=lambda p: p.order)],
            "pipes": sorted(pipe_rows.values(), key=lambda e: str(e["id"])),
            "output": self.output,
        }


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


NOTHING_GONE: dict[str, list[dict[str, Any]]] = {"fds": [], "pipes": []}


def gone(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """What the last event took away: fds closed or replaced (close, dup2 over, exit) and
    pipes freed with their last end, as they were. Each event carries this, so a page draws
    a closed row fading out from that event alone, never looking at the one before."""
    now = {(p["pid"], r["fd"], r["target"]) for p in after["procs"] for r in p["fds"]}
    fds = [
        {"pid": p["pid"], **r}
        for p in before.get("procs", [])
        for r in p["fds"]
        if (p["pid"], r["fd"], r["target"]) not in now
    ]
    alive = {pipe["id"] for pipe in after["pipes"]}
    pipes = [pipe for pipe in before.get("pipes", []) if pipe["id"] not in alive]
    return {"fds": fds, "pipes": pipes}

"""strace's lines, in order, into the event contract's steps (events without `state`).

The tracker knows which process is which, which call each one is in, and which calls are
shown. It pairs `<unfinished ...>` with its `<... resumed>`, gives a line with no pid to
the one process traced, turns a fork's return into the child's `proc.start`, and hides the
launcher's own set-up. It reads /proc for nothing, so it runs the same on a live trace and
on a recorded one; the supervisor adds the state, the blocking and the signal's action.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any

from app.strace import calls
from app.strace.lines import Line, parse
from app.strace.source_lines import SourceLines

Step = dict[str, Any]
DEFAULT_IGNORED = {"SIGCHLD", "SIGWINCH", "SIGURG", "SIGCONT"}


@dataclass
class OpenCall:
    name: str  # strace's name for it: clone3, pipe2, ...
    call: str  # the page's name for it: fork, pipe, ...
    args: list[str]
    shown: bool
    plain: bool = True  # shown without all_calls: a call the C source makes itself
    line: int | None = None  # its line in the C source, when known
    entered: bool = False  # its call.enter went out
    blocked: bool = False  # its call.block went out


@dataclass
class Tracked:
    pid: int
    role: str
    ppid: int | None
    started: bool = False  # its proc.start went out
    in_setup: bool = False  # the launcher pointing fd 2 back at the terminal: hidden


class Tracker:
    def __init__(
        self,
        root_role: str = "parent",
        child_roles: tuple[str, ...] = (),
        setup_fd: int | None = None,
        all_calls: bool = False,
        lines: dict[str, list[list[Any]]] | None = None,
    ) -> None:
        self.root_role = root_role
        self.child_roles = list(child_roles)
        self.setup_fd = setup_fd
        self.all_calls = all_calls
        self.source = SourceLines(lines or {})
        self.procs: dict[int, Tracked] = {}
        self.owner: dict[int, int] = {}  # thread id -> its process
        self.open: dict[int, OpenCall] = {}  # thread id -> the call it is in
        self.seen: set[int] = set()  # every process ever tracked
        self.root: int | None = None

    # -- who -------------------------------------------------------------------------------
    def set_root(self, pid: int) -> list[Step]:
        self.root = pid
        return self.know(pid, None)

    def know(self, pid: int, ppid: int | None) -> list[Step]:
        """Start tracking pid; its proc.start, unless it is still in set-up."""
        if pid in self.seen or pid in self.owner:
            return []  # known, or already gone: a vfork child may die before vfork returns
        self.seen.add(pid)
        if self.root is None:
            self.root = pid
        is_root = pid == self.root
        role = self.root_role if is_root else self.next_role()
        proc = Tracked(pid, role, ppid, in_setup=is_root and self.setup_fd is not None)
        self.procs[pid] = proc
        return [] if proc.in_setup else self.started(proc)

    def next_role(self) -> str:
        return self.child_roles.pop(0) if self.child_roles else "child"

    def started(self, proc: Tracked) -> list[Step]:
        proc.started = True
        return [
            {
                "type": "proc.start",
                "pid": proc.pid,
                "ppid": proc.ppid,
                "name": proc.role,
                "role": proc.role,
            }
        ]

    def who(self, pid: int | None) -> int:
        """The thread a line is about: stderr leaves the pid out while one process is traced."""
        if pid is not None:
            return pid
        live = list(self.procs)
        return live[0] if len(live) == 1 else (self.root or 0)

    def pid_of(self, tid: int) -> int:
        return self.owner.get(tid, tid)

    # -- lines -----------------------------------------------------------------------------
    def feed(self, text: str) -> list[Step]:
        """One whole line."""
        return self.take(parse(text))

    def entry(self, text: str) -> list[Step]:
        """The first part of a line strace wrote as the call went in: what an unfinished line
        says. The rest of the line, when it comes, is fed whole with `feed`."""
        return self.take(parse(text + " <unfinished ...>"))

    def take(self, line: Line) -> list[Step]:
        if line.kind == "other":
            return []
        tid = self.who(line.pid)
        steps = self.know(tid, None)
        pid = self.pid_of(tid)
        if line.kind == "unfinished":
            if tid not in self.open:
                steps += self.enter(tid, pid, line.name, line.args)
        elif line.kind == "call":
            if tid in self.open and self.open[tid].name == line.name:
                self.open[tid].args = line.args  # entered live; now every argument is known
            else:
                steps += self.enter(tid, pid, line.name, line.args)
            steps += self.leave(tid, pid, line)
        elif line.kind == "resumed":
            call = self.open.get(tid)
            if call is None:
                steps += self.enter(tid, pid, line.name, [])
                call = self.open[tid]
            call.args = [a for a in call.args if a] + line.args
            steps += self.leave(tid, pid, line)
        elif line.kind == "signal":
            steps += self.shown_step(pid, self.signal_step(pid, line.signal or "SIG0"))
        else:
            steps += self.died(pid, line)
        return steps

    def enter(self, tid: int, pid: int, name: str, args: list[str]) -> list[Step]:
        call = calls.page_name(name, args)
        plain = calls.interesting(call, args) or call == "pipe"
        self.open[tid] = opened = OpenCall(name, call, args, self.all_calls or plain, plain)
        if not opened.shown or self.procs[pid].in_setup:
            return []
        opened.entered = True
        return [self.enter_step(pid, opened)]

    def enter_step(self, pid: int, call: OpenCall) -> Step:
        if call.plain:
            call.line = self.source.line(self.procs[pid].role, call.call)
        args = calls.named_args(call.name, call.args)
        return {
            "type": "call.enter",
            "pid": pid,
            "call": call.call,
            "args": args,
            "line": call.line,
        }

    def leave(self, tid: int, pid: int, line: Line) -> list[Step]:
        opened = self.open.pop(tid)
        name, args = opened.name, opened.args
        steps: list[Step] = []
        proc = self.procs[pid]
        if proc.in_setup:
            self.end_setup(proc, opened, line)
            return self.started(proc) if not proc.in_setup else []
        shown = opened.shown or calls.interesting(opened.call, args, line.decor)
        if shown and not opened.entered:  # the full line showed a pipe the entry did not
            steps.append(self.enter_step(pid, opened))
        if line.ret is None:
            return steps  # `= ?`: exit_group, or a death inside the call; proc.exit follows
        if opened.call == "execve" and line.ret == 0:
            self.source.exec_done(proc.role)  # another program now: not these lines
        if name in calls.FORKS and line.ret > 0:
            if opened.call == "fork":
                child = self.know(line.ret, pid)
            else:
                self.owner[line.ret] = pid  # a thread: its lines are its process's
                child = []
        else:
            child = []
        if shown:
            data, cut, runs = calls.moved(name, args, line.ret)
            named = calls.named_args(name, args) | calls.returned_args(name, args)
            steps.append(
                {
                    "type": "call.return",
                    "pid": pid,
                    "call": opened.call,
                    "args": named,
                    "line": opened.line,
                    "ret": line.ret,
                    "errno": line.errno,
                    "data": data,
                    "data_truncated": cut,
                    "data_runs": runs,
                    "duration": line.duration,
                    "blocked": opened.blocked,
                }
            )
        return steps + child

    def end_setup(self, proc: Tracked, call: OpenCall, line: Line) -> None:
        """The launcher's set-up ends when it has closed its spare terminal fd."""
        if (
            call.name == "close"
            and calls.fd_of(call.args[0] if call.args else "")[0] == self.setup_fd
        ):
            proc.in_setup = False

    def signal_step(self, pid: int, name: str) -> Step:
        try:
            signo = int(signal.Signals[name])
        except KeyError:
            signo = 0
        action = "ignore" if name in DEFAULT_IGNORED else "kill"
        return {"type": "signal", "pid": pid, "signal": name, "signo": signo, "action": action}

    def shown_step(self, pid: int, step: Step) -> list[Step]:
        proc = self.procs.get(pid)
        return [] if proc is None or proc.in_setup else [step]

    def died(self, pid: int, line: Line) -> list[Step]:
        proc = self.procs.pop(pid, None)
        for tid in [t for t in self.open if self.pid_of(t) == pid]:
            del self.open[tid]
        for tid in [t for t, p in self.owner.items() if p == pid]:
            del self.owner[tid]
        if proc is None:
            return []
        killed = line.kind == "killed"
        return [
            {
                "type": "proc.exit",
                "pid": pid,
                "status": "killed" if killed else "exited",
                "exit_code": None if killed else line.code,
                "signal": line.signal if killed else None,
            }
        ]

    # -- asked by the supervisor -------------------------------------------------------------
    def in_call(self, pid: int) -> OpenCall | None:
        """The shown call pid is in, if any (for /proc to say whether it blocks)."""
        for tid, call in self.open.items():
            if self.pid_of(tid) == pid and call.entered:
                return call
        return None

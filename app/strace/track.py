"""strace's lines, in order, into the event contract's steps (events without `state`).

The tracker knows which process is which, which thread of it each line is about, which call
each thread is in, and which calls are shown. It pairs `<unfinished ...>` with its
`<... resumed>`, gives a line with no pid to the one process traced, turns a fork's return
into the child's `proc.start` and a thread's clone into `thread.start`, and hides the
launcher's own set-up. It reads /proc for nothing itself, so it runs the same on a live trace
and on a recorded one; the supervisor may lend it a way to ask a thread's process (`tgid_of`)
and a call's inputs from its registers (`inputs`), and adds the state, the blocking and the
signal's action.

Threads (docs/events.md, "The strace backend"): strace -f prints each thread's lines under
its own tid. A thread is shown inside its process; its exit (`exit`) is a `thread.exit`, not
the process's; the process ends with its leader's `+++` line, which the kernel gives only
once the whole group is gone (exit_group, a fatal signal, or the last thread's exit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.strace import calls
from app.strace.lines import Line, parse
from app.strace.source_lines import SourceLines
from app.strace.steps import died_step, return_step, signal_step

Step = dict[str, Any]


class TraceSurprise(Exception):
    """A line the tracker cannot place: the run ends saying so (never Python's words)."""


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
    inputs: dict[str, Any] = field(default_factory=dict)  # read from its registers at entry
    moved: int = 0  # bytes a write moved before it slept, told at its call.block


@dataclass
class Tracked:
    pid: int
    role: str
    ppid: int | None
    started: bool = False  # its proc.start went out
    in_setup: bool = False  # the launcher pointing fd 2 back at the terminal: hidden
    threads: list[int] = field(default_factory=list)  # every thread it made, in order
    ended: set[int] = field(default_factory=set)  # those of its threads that have exited
    group_exit: bool = False  # a thread called exit_group (or a signal kills them all)


class Tracker:
    def __init__(
        self,
        root_role: str = "parent",
        child_roles: tuple[str, ...] = (),
        setup_fd: int | None = None,
        all_calls: bool = False,
        lines: dict[str, list[list[Any]]] | None = None,
        tgid_of: Callable[[int], int | None] | None = None,
        inputs: Callable[[int, str], dict[str, Any]] | None = None,
    ) -> None:
        self.root_role = root_role
        self.child_roles = list(child_roles)
        self.setup_fd = setup_fd
        self.all_calls = all_calls
        self.source = SourceLines(lines or {})
        self.tgid_of = tgid_of
        self.inputs = inputs
        self.procs: dict[int, Tracked] = {}
        self.owner: dict[int, int] = {}  # thread id -> its process (threads but the leader)
        self.open: dict[int, OpenCall] = {}  # thread id -> the call it is in
        self.seen: set[int] = set()  # every process ever tracked
        self.dead: set[int] = set()  # every thread told gone: its late lines are dropped
        self.root: int | None = None
        self.fifos: frozenset[str] = frozenset()  # the paths mknodat made FIFOs: shown

    # -- who -------------------------------------------------------------------------------
    def set_root(self, pid: int) -> list[Step]:
        self.root = pid
        return self.know(pid, None)

    def know(self, pid: int, ppid: int | None) -> list[Step]:
        """Start tracking pid; its proc.start, unless it is still in set-up."""
        if pid in self.seen or pid in self.owner or pid in self.dead:
            return []  # known, or already gone: a vfork child may die before vfork returns
        self.seen.add(pid)
        if self.root is None:
            self.root = pid
        is_root = pid == self.root
        role = self.root_role if is_root else self.next_role()
        proc = Tracked(pid, role, ppid, in_setup=is_root and self.setup_fd is not None)
        self.procs[pid] = proc
        return [] if proc.in_setup else self.started(proc)

    def first_sight(self, tid: int) -> list[Step]:
        """A tid strace names before the clone that made it returned: whose is it? The
        kernel says (its Tgid), else the one clone in flight that could have made it."""
        if tid in self.seen or tid in self.owner or tid in self.dead:
            return []
        tgid = self.tgid_of(tid) if self.tgid_of else None
        making = [(t, c) for t, c in self.open.items() if c.name in calls.FORKS]
        if tgid is not None and tgid != tid and tgid in self.procs:
            return self.new_thread(tgid, tid)
        threads = [t for t, c in making if c.call == "clone"]
        forks = [t for t, c in making if c.call == "fork"]
        if tgid is None and threads and not forks:
            return self.new_thread(self.pid_of(threads[0]), tid)
        parent = self.pid_of(forks[0]) if len(forks) == 1 else None
        return self.know(tid, parent)

    def new_thread(self, pid: int, tid: int) -> list[Step]:
        proc = self.procs.get(pid)
        if proc is None or tid in self.owner or tid in self.dead:
            return []
        self.owner[tid] = pid
        proc.threads.append(tid)
        return [{"type": "thread.start", "pid": pid, "tid": tid}]

    def next_role(self) -> str:
        return self.child_roles.pop(0) if self.child_roles else "child"

    def started(self, proc: Tracked) -> list[Step]:
        proc.started = True
        step = {"type": "proc.start", "pid": proc.pid, "ppid": proc.ppid}
        return [step | {"name": proc.role, "role": proc.role}]

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
        if tid in self.dead:
            return []  # a thread of a process already told gone (exit_group ends them all)
        steps = self.first_sight(tid)
        pid = self.pid_of(tid)
        if pid not in self.procs:
            raise TraceSurprise(f"a line of thread {tid}, whose process is not known")
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
            steps += self.shown_step(pid, signal_step(pid, line.signal or "SIG0"))
        else:
            steps += self.ended(tid, pid, line)
        return steps

    def enter(self, tid: int, pid: int, name: str, args: list[str]) -> list[Step]:
        call = calls.page_name(name, args)
        plain = calls.interesting(call, args, fifos=self.fifos)
        opened = OpenCall(name, call, args, self.all_calls or plain, plain)
        self.open[tid] = opened
        if call == "exit_group":
            self.procs[pid].group_exit = True
        if not opened.shown or self.procs[pid].in_setup:
            return []
        if self.inputs is not None and name in calls.INPUTS_LATE:
            opened.inputs = self.inputs(tid, name)  # what strace prints only at the return
        opened.entered = True
        return [self.enter_step(tid, pid, opened)]

    def enter_step(self, tid: int, pid: int, call: OpenCall) -> Step:
        if call.plain:
            call.line = self.source.line(self.procs[pid].role, call.call)
        args = calls.named_args(call.name, call.args) | call.inputs
        step = {"type": "call.enter", "pid": pid, "tid": tid, "call": call.call, "args": args}
        return step | {"line": call.line}

    def leave(self, tid: int, pid: int, line: Line) -> list[Step]:
        opened = self.open.pop(tid)
        proc = self.procs[pid]
        if proc.in_setup:
            self.end_setup(proc, opened)
            return self.started(proc) if not proc.in_setup else []
        shown = opened.shown or calls.interesting(opened.call, opened.args, line.decor, self.fifos)
        steps: list[Step] = []
        if shown and not opened.entered:  # the full line showed a pipe the entry did not
            steps.append(self.enter_step(tid, pid, opened))
        if line.ret is None and (line.errno or "").startswith("ERESTART"):
            line.ret = -1  # a signal interrupted it: its handler runs next (errno says)
        if line.ret is None:
            return steps  # `= ?`: exit_group, or a death inside the call; an exit follows
        if opened.name == "mknodat" and line.ret == 0 and "S_IFIFO" in ",".join(opened.args):
            made_at = calls.opened_path(opened.name, opened.args)
            self.fifos = self.fifos | ({made_at} if made_at else set())
        if opened.call == "execve" and line.ret == 0:
            self.source.exec_done(proc.role)  # another program now: not these lines
        made: list[Step] = []
        if opened.name in calls.FORKS and line.ret > 0:
            if opened.call == "fork":
                made = self.know(line.ret, pid)
            else:
                made = self.new_thread(pid, line.ret)  # a thread: its lines are its process's
        if shown:
            steps.append(return_step(pid, tid, opened, line))
        return steps + made

    def end_setup(self, proc: Tracked, call: OpenCall) -> None:
        """The launcher's set-up ends when it has closed its spare terminal fd."""
        if (
            call.name == "close"
            and calls.fd_of(call.args[0] if call.args else "")[0] == self.setup_fd
        ):
            proc.in_setup = False

    def shown_step(self, pid: int, step: Step) -> list[Step]:
        proc = self.procs.get(pid)
        return [] if proc is None or proc.in_setup else [step]

    def ended(self, tid: int, pid: int, line: Line) -> list[Step]:
        """A `+++` line: a thread's own end, or (its leader's) the whole process's."""
        proc = self.procs[pid]
        self.open.pop(tid, None)
        self.dead.add(tid)
        proc.ended.add(tid)
        alive = [t for t in proc.threads if t not in proc.ended]
        killed = line.kind == "killed"
        if tid != pid or (alive and not proc.group_exit and not killed):
            # One thread's end; the last one's (its leader gone before it) ends the process.
            own = died_step(pid, line) | {"type": "thread.exit", "tid": tid}
            steps = [] if proc.in_setup else [own]
            if pid in proc.ended and not alive:
                steps += self.died(pid, line)
            return steps
        return self.died(pid, line)

    def died(self, pid: int, line: Line) -> list[Step]:
        proc = self.procs.pop(pid)
        for tid in [pid, *proc.threads]:
            self.open.pop(tid, None)
            self.dead.add(tid)
        return [] if proc.in_setup and not proc.started else [died_step(pid, line)]

    # -- asked by the supervisor -------------------------------------------------------------
    def in_call(self, pid: int) -> OpenCall | None:
        """The shown call pid's own thread (its leader) is in, if any."""
        call = self.open.get(pid)
        return call if call is not None and call.entered else None

    def calls_in(self, pid: int) -> list[tuple[int, OpenCall]]:
        """Every call the threads of pid are in (shown or not), by thread: their effects may
        already be in the kernel while strace has not yet printed their return."""
        return [(t, c) for t, c in self.open.items() if self.pid_of(t) == pid]

    def threads_of(self, pid: int) -> list[int]:
        proc = self.procs.get(pid)
        return [pid, *proc.threads] if proc is not None and proc.threads else []

    def thread_ended(self, pid: int, tid: int) -> bool:
        proc = self.procs.get(pid)
        return proc is None or tid in proc.ended

"""One traced run: an unmodified program under strace, told as the runner tells its own.

The run's supervisor starts strace the way the runner starts a scenario's first process (its
own session under this subreaper, fds 0, 1 and 2 on a terminal, C's signal dispositions, the
run's limits, a scratch directory), with one difference: strace's stderr is the trace log
(see tracelog.py), and the launcher it starts points fd 2 back at the terminal.

Each write strace makes is read while strace waits on it, and so while every traced process
is stopped: the state each event carries is read from /proc and FIONREAD at that still point.
A call already asleep in the kernel is the one thing that can still move (see tracelog.py).
Blocking is confirmed the runner's way: a shown call with no return yet, whose process the
kernel has asleep in a pipe, a wait or a sleep (wchan), gets a call.block.
"""

from __future__ import annotations

import os
import selectors
import socket
import sys
import time
import traceback
from typing import Any

from app.kernel import procfs
from app.runner import hygiene, sandbox, syscall_filter
from app.runner.cell import Cell
from app.runner.channel import CHANNEL_FD
from app.runner.escape import written
from app.runner.serve import serve_run
from app.runner.supervisor import RunOver, Supervisor
from app.runner.terminal import Terminal
from app.runner.world import Proc
from app.strace import calls, inflight, spec
from app.strace.registers import inputs, tgid_of
from app.strace.threads import ThreadWatch
from app.strace.tracelog import LOG_FD, TraceLog
from app.strace.track import Step, Tracker
from app.strace.wakes import is_wake

QUIET_S = 0.0005  # strace has waited this long: look for calls asleep, output, orphans
SPIN_S = 0.001  # while strace has been waiting this long, give way rather than sleep
IDLE_POLL_S = 0.002  # then look at /proc this often


class TraceSupervisor(ThreadWatch, Supervisor):
    def __init__(
        self, out: socket.socket, request: dict[str, Any], cell: Cell | None = None
    ) -> None:
        if cell is not None:
            cell.discard()  # strace is this run's first process: it enters the boundary itself
        super().__init__(out, {**request, "program": {"procs": {}}})
        self.traced = spec.resolve(request["trace"])
        self.tracker = Tracker(
            self.traced.root_role,
            self.traced.child_roles,
            spec.LAUNCH_TTY_FD,
            self.traced.all_calls,
            self.traced.lines,
            tgid_of=tgid_of,
            inputs=inputs,
        )
        self.moved_before: dict[int, int] = {}  # thread -> bytes its write moved before sleeping
        self.thread_blocks: dict[int, dict[str, Any]] = {}  # thread (not a leader) -> blocked_on
        self.dying: set[int] = set()  # killed by a signal, its proc.exit not yet told
        self.log = TraceLog()
        self.strace_pid = 0
        self.partial = ""  # the line strace is in the middle of writing
        self.held: bytes | None = None  # the write strace waits on, read but not yet let in
        self.complaints: list[str] = []  # what strace itself said (`strace: ...`)
        self.idle_since = 0.0  # when strace began to wait for the program
        self.tty_early = 0  # terminal bytes read while a write to it was still out

    def run(self) -> RunOver:
        """As the runner's, but a failure of ours reaches the page as words, never as
        Python's (the traceback is in the log)."""
        over = super().run()
        if over.key == "end.bug":
            return RunOver(
                "error", "pipescope could not follow this program's trace", "end.trace_failed"
            )
        return over

    def emit(
        self, type_: str, pid: int | None, state: dict[str, Any] | None = None, **fields: Any
    ) -> None:
        if state is None:  # the still point: calls in flight keep their effects to themselves
            inflight.mark(self.world, self.tracker, self.dying)
            self.thread_rows()
        super().emit(type_, pid, state, **fields)

    # -- start -----------------------------------------------------------------------------
    def start(self) -> None:
        self.announce("strace")
        self.tty = Terminal(self.world)
        self.sel.register(self.out, selectors.EVENT_READ, "control")
        # strace runs inside the boundary, tracing its own children; the launcher it starts
        # loads the full filter (no ptrace) before any program runs.
        policy = self.policy(read_only=self.traced.binary_dirs, allow_ptrace=True)
        pid = os.fork()
        if pid == 0:
            try:  # strace gets the table a shell gives, plus the log on 2 and the tty on 3
                hygiene.become_scenario_root(self.tty.slave, self.log.w, self.limits)
                os.dup2(CHANNEL_FD, LOG_FD)
                os.dup2(0, spec.LAUNCH_TTY_FD)
                if policy.boundary.seccomp:
                    bpf = syscall_filter.export_fd()
                    if bpf != spec.LAUNCH_FILTER_FD:
                        os.dup2(bpf, spec.LAUNCH_FILTER_FD)
                        os.close(bpf)
                sandbox.enter(policy)
                env = sandbox.environment(policy.home) | {"LC_ALL": "C"}
                argv = [sandbox.inside(policy, arg) for arg in self.traced.argv]
                os.execve(spec.STRACE, argv, env)
            finally:
                os._exit(127)
        self.tty.close_slave()
        self.watch_as_run()
        self.strace_pid = pid
        self.log.started(pid)

    # -- the loop --------------------------------------------------------------------------
    def tick(self) -> None:
        self.check_limits(time.monotonic())
        state = self.log.state()
        if state == "pending":
            self.idle_since = 0.0
            self.controls(0)
            if self.held is None:
                self.held = self.log.pending()  # read once: the log counts what it hands out
            # The end of a call told blocked is the kernel's wake: it needs no step (wakes.py).
            woke = self.held is not None and is_wake(
                self.tracker, self.partial + self.held.decode("utf-8", "replace")
            )
            if woke or self.turns.may_go():
                data, self.held = self.held, None
                if data is not None and self.take(data) and not woke and not self.turns.playing:
                    self.turns.steps.pop(0)  # one step shows one moment that has something in it
                self.log.release()
            else:
                self.controls(0.01)
        elif state == "idle":
            self.idle_since = self.idle_since or time.monotonic()
            if time.monotonic() - self.idle_since >= QUIET_S:
                self.quiet()
            self.controls(0)
            self.wait_a_little()
        elif state == "busy":
            os.sched_yield()  # strace is between two writes: it is back in microseconds
        else:
            self.finish()

    def wait_a_little(self) -> None:
        """strace waits for the program. Most often it is back within microseconds, so give
        way (sleeping costs a timer's slack, and epoll waits whole milliseconds); a program
        that sleeps or blocks is looked at less often, the longer it stays quiet."""
        quiet_for = time.monotonic() - self.idle_since
        if quiet_for < SPIN_S:
            os.sched_yield()
        else:
            time.sleep(min(quiet_for / 4, IDLE_POLL_S))

    def controls(self, wait: float) -> None:
        for key, _ in self.sel.select(wait):
            if key.data == "control":
                self.read_control()

    # -- what strace wrote -------------------------------------------------------------------
    def take(self, data: bytes) -> bool:
        """Tell what one write of strace's says; True when it gave an event."""
        if self.tracker.root is None:
            kids = procfs.children(self.strace_pid)
            if kids:
                self.tracker.set_root(kids[0])
        text = self.partial + data.decode("utf-8", "replace")
        *whole, rest = text.split("\n")
        steps: list[Step] = []
        line = ""
        try:
            for line in whole:
                if line.startswith("strace: "):
                    self.complaints.append(line)
                steps += self.tracker.feed(line)
            if rest and (whole or not self.partial):  # a line begins: its call is going in
                line = rest
                steps += self.tracker.entry(rest)
            self.partial = rest
            emitted = False
            for step, after in zip(steps, [*steps[1:], None], strict=False):
                if after and after["type"] == "proc.start" and step.get("call") == "fork":
                    self.add_traced(after["pid"], after["ppid"], after["role"])  # as the
                    # runner: a fork's return shows the child, whose proc.start follows
                emitted = self.tell(step) or emitted
        except (RunOver, OSError):
            raise
        except Exception:
            traceback.print_exc(file=sys.stderr)  # the log keeps Python's words; the page, ours
            shown = line[:160]
            raise RunOver(
                "error",
                f"pipescope could not follow this line of strace's log: {shown}",
                "end.trace_unreadable",
                line=shown,
            ) from None
        if emitted:
            self.turns.gone_now()
        return emitted

    def tell(self, step: Step) -> bool:
        kind, pid = step.pop("type"), step.pop("pid")
        proc = self.world.procs.get(pid)
        tid = int(step.get("tid") or pid or 0)
        if kind == "proc.start":
            proc = proc or self.add_traced(pid, step["ppid"], step["role"])
            step |= {"ppid": proc.ppid, "name": proc.name}
        elif proc is None:
            return False
        elif kind == "call.enter":
            if tid == pid:
                proc.in_call = step
        elif kind == "call.return":
            self.returned_traced(proc, step)
        elif kind == "thread.exit":
            self.thread_blocks.pop(tid, None)
        elif kind == "signal":
            step["action"] = action(pid, step["signo"], step["action"])
            if step["action"] == "kill":
                self.dying.add(pid)  # its files close as it dies: at its proc.exit, not before
            if step["action"] == "ignore" and not self.traced.all_calls:
                return False
        elif kind == "proc.exit":
            self.dying.discard(pid)
            proc.in_call = proc.blocked_on = None
            proc.exited, proc.killed = step["status"] == "exited", step["status"] == "killed"
            proc.exit_code, proc.signal = step["exit_code"], step["signal"]
        self.emit(kind, pid, **step)
        return True

    def add_traced(self, pid: int, ppid: int | None, role: str) -> Proc:
        if ppid is None:
            st = procfs.stat(pid)
            ppid = st.ppid if st else 0
        proc = self.new_proc(pid, ppid, role)
        if len(self.world.live()) > int(self.limits["max_procs"]):
            most = self.limits["max_procs"]
            raise RunOver(
                "limit",
                f"the program started more than {most} processes",
                "end.limit_procs",
                procs=most,
            )
        return proc

    def returned_traced(self, proc: Proc, step: Step) -> None:
        call, args, ret, tid = step["call"], step["args"], step["ret"], step["tid"]
        if tid == proc.pid:
            proc.in_call = proc.blocked_on = None
        self.thread_blocks.pop(tid, None)
        if call == "execve" and ret == 0:
            proc.program = list(args.get("argv") or [args.get("path", "?")])
        before = self.moved_before.pop(tid, 0)
        if ret > 0 and ret > before:
            self.world.refresh_fds()
            source = written(proc.pid, step["data"], step["data_runs"])
            self.world.apply_call(proc, call, args, ret - before, bool(before), source, before)
        if call == "wait4" and ret > 0 and ret in self.world.procs:
            self.world.procs[ret].reaped = True
        if call in ("write", "writev") and ret > 0 and self.is_tty(proc, args.get("fd", -1)):
            # In the state now, as the runner has it (less what was read while it was out).
            self.tty.drain(0.05, expect=ret - self.tty_early)
            self.tty_early = 0

    # -- while strace waits for the program ----------------------------------------------------
    def quiet(self) -> None:
        """Nothing to read: look for calls that sleep (each thread's own), output, and
        orphans to reap."""
        for tid, opened in list(self.tracker.open.items()):
            proc = self.world.procs.get(self.tracker.pid_of(tid))
            if proc is None or not opened.entered or opened.blocked or proc.exited:
                continue
            found = procfs.blocked_in_kernel(tid)  # /proc/TID: the thread's own wchan
            if found is None:
                continue
            self.asleep(proc, tid, opened, *found)
        self.quiet_output()

    def quiet_output(self) -> None:
        # The terminal is read even while a write to it is out: a write larger than the
        # terminal's buffer returns only once it is read. That write's bytes then go out with
        # the next event (its call.block, or its return), never as output of their own.
        before = self.tty.bytes
        text = self.tty.read()
        if any(self.writes_tty(p) for p in self.world.live()):
            self.tty_early += self.tty.bytes - before
        elif text:
            self.emit_output()
        if self.reap_orphans():
            self.emit(
                "state.change", None, reason="an orphan was reaped by pipescope, as init would"
            )

    def writes_tty(self, proc: Proc) -> bool:
        opened = self.tracker.in_call(proc.pid)
        if opened is None or opened.call not in ("write", "writev") or not opened.args:
            return False
        return self.is_tty(proc, calls.fd_of(opened.args[0])[0] or -1)

    def finish(self) -> None:
        """strace has ended: it does so once every traced process has."""
        hygiene.reap(self.strace_pid)
        self.log.close()
        self.tty.drain(0.01)
        self.emit_output()
        self.reap_orphans()
        if not self.world.procs:
            said = "; ".join(self.complaints) or "strace started nothing"
            raise RunOver(
                "error", f"the program could not be traced: {said}", "end.not_traced", said=said
            )
        if self.world.live():
            raise RunOver("error", "strace ended before the program did", "end.strace_early")
        raise RunOver("exited", "every process has exited", "end.all_exited")


def action(pid: int, signo: int, guess: str) -> str:
    """What the signal does to pid, from its masks in /proc/PID/status."""
    text = procfs.read_text(f"/proc/{pid}/status") or ""
    masks = dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)
    bit = 1 << (signo - 1) if signo > 0 else 0
    if int(masks.get("SigCgt", "0"), 16) & bit:
        return "handle"
    if int(masks.get("SigIgn", "0"), 16) & bit:
        return "ignore"
    return guess  # the default action


def serve_trace(out: socket.socket, request: dict[str, Any], cell: Cell | None = None) -> None:
    """The whole life of one traced run: serve_run's, with this supervisor."""
    serve_run(out, request, TraceSupervisor, cell)

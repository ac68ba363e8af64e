"""One run: start its first process, let each call go in turn, and report every event.

The supervisor is the run's scheduler and its only witness. Processes ask before each call;
it lets one call go at a time (round robin, like one CPU), so each event's state is exactly
the world after that call. A call still out after a moment is checked in /proc: if the kernel
has it asleep in a pipe, a wait or a sleep, the call is blocked and the next process goes.
When a call ends, the calls it woke are reported next, before anyone goes (`settled`).
In step mode nothing goes until a viewer says so.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import time
import traceback
from collections.abc import Callable
from typing import Any

from app.kernel import procfs, signals
from app.runner import caps, channel, diagnose, sandbox, settle
from app.runner.cell import Cell
from app.runner.channels import Channels, pending
from app.runner.deaths import Deaths
from app.runner.exec_watch import ExecWatch
from app.runner.signal_watch import SignalWatch
from app.runner.terminal import Terminal
from app.runner.turns import Turns
from app.runner.unreported import Unreported
from app.runner.world import Proc, World, gone, writes
from app.workdir import RUN_FILES

BLOCK_PROBE_S = 0.001
POLL_S = 0.005
DISK_CHECK_S = 0.02
END_ROOM = 1 << 16  # bytes of the recording limit kept for run.end
# Calls after which an fd (number, target) seen before may carry other flags: an `open` of a
# path opened before can give back its fd number.
FLAG_CHANGERS = frozenset({"fcntl", "dup2", "execve", "open"})
NO_BOUNDARY = {"namespaces": False, "uids": False, "landlock": 0, "seccomp": False}


class RunOver(Exception):
    """How a run ends: its reason, the message in English (the API's words), and that
    message as a key of the strings table with its values, for a page to word in its own
    language (static/i18n/strings.json, `end.*`)."""

    def __init__(self, reason: str, message: str, key: str, **values: str | int | float) -> None:
        self.reason, self.message, self.key, self.values = reason, message, key, values

    def said(self) -> tuple[str, str, str, dict[str, str | int | float]]:
        return self.reason, self.message, self.key, self.values


class Supervisor(Deaths, Unreported, SignalWatch):
    tty: Terminal  # opened by start(), after run.start is out: a viewer waits for that

    def __init__(
        self, out: socket.socket, request: dict[str, Any], cell: Cell | None = None
    ) -> None:
        self.out = out
        self.cell = cell  # the run's first process, made before the request, if it was
        self.request = request
        self.program: dict[str, list[dict[str, Any]]] = request["program"]["procs"]
        self.limits: dict[str, Any] = request["limits"]
        self.world = World()
        SignalWatch.__init__(self)
        self.turns = Turns(live=request.get("mode", "live") == "live")
        self.holder: Proc | None = None
        self.sel = selectors.DefaultSelector()
        self.chans = Channels(self.sel)
        self.seq = 0
        self.t0 = time.monotonic()
        self.deadline = self.t0 + float(self.limits["wall_s"])
        self.last_state: dict[str, Any] = {}
        self.boundary = sandbox.Boundary(**request.get("boundary") or NO_BOUNDARY)
        self.next_disk_check = self.t0
        self.recorded = 0  # bytes of events sent
        # Room is kept for run.end, which the server takes past the limit as well.
        self.max_recorded = (int(self.limits["max_recording_mb"]) << 20) - END_ROOM
        self.execs = ExecWatch(self.policy())  # exec'd programs, told through strace
        self.settling = False

    # -- events ----------------------------------------------------------------------------
    def emit(
        self, type_: str, pid: int | None, state: dict[str, Any] | None = None, **fields: Any
    ) -> None:
        """Send one event with the world after it (`state`: a snapshot just taken, if any)."""
        state = state if state is not None else self.world.snapshot()
        state["gone"] = gone(self.last_state, state)
        # The terminal's new text goes out once: as an `output` event's `data`, or else in
        # the state's `output_new`; `output_at` says where the terminal stands after it.
        state["output_at"], added = self.world.take_output()
        if type_ == "output":
            fields["data"], added = added, ""
        state["output_new"] = added
        event: dict[str, Any] = {"v": 1, "seq": self.seq, "t": round(time.monotonic() - self.t0, 6)}
        event |= {"type": type_, "pid": pid, **fields, "state": state}
        line = json.dumps(event, separators=(",", ":")).encode() + b"\n"
        if type_ != "run.end" and self.recorded + len(line) > self.max_recorded:
            # This event's terminal text is not kept: an output event's is its data.
            self.world.output_at -= len(fields["data"] if type_ == "output" else added)
            mb = self.limits["max_recording_mb"]
            raise RunOver(
                "limit",
                f"the run reached its limit of {mb} MB of recorded events ({self.seq} events)",
                "end.limit_recording",
                mb=mb,
                events=self.seq,
            )
        self.seq += 1
        self.last_state = state
        self.recorded += len(line)
        self.send_line(line)
        if type_ != "run.end" and self.seq >= int(self.limits["max_events"]):
            raise RunOver(
                "limit",
                f"the run reached its limit of {self.seq} events",
                "end.limit_events",
                events=self.seq,
            )

    def emit_output(self) -> None:
        """An `output` event for what reached the terminal since the last event, if any."""
        if self.world.output_new:
            self.emit("output", None)

    def send_line(self, line: bytes) -> None:
        try:
            self.out.sendall(line)
        except OSError:
            raise RunOver(
                "viewer-left", "the server closed the run's channel", "end.channel_closed"
            ) from None

    # -- start -----------------------------------------------------------------------------
    def start(self) -> None:
        self.announce("runner")
        cell = self.cell or Cell(self.policy())  # its first process, inside the boundary
        self.cell = None
        self.tty = Terminal(self.world, cell.master)
        self.sel.register(self.tty.master, selectors.EVENT_READ, "pty")
        self.sel.register(self.out, selectors.EVENT_READ, "control")
        root_role = self.request["program"].get("root") or next(iter(self.program))
        chan = cell.start(self.request["program"]["procs"], root_role, self.limits)
        self.watch_as_run()
        proc = self.add_proc(cell.pid, os.getpid(), root_role, chan)
        self.await_ready(proc)  # its table is clean once it asks for its first call
        self.emit("proc.start", proc.pid, ppid=proc.ppid, name=proc.name, role=root_role)

    def announce(self, backend: str) -> None:
        """The run exists: say so before preparing it, since a viewer waits for this event;
        then the files its programs find in their directory."""
        self.out.setblocking(True)
        self.emit(
            "run.start",
            None,
            run=self.request["run"],
            scenario=self.request.get("scenario", "custom"),
            mode=self.request.get("mode", "live"),
            limits=self.limits,
            backend=backend,
            sandbox=self.boundary.layers(),
            exec_calls=self.execs.mode,
        )

    def policy(self, **more: Any) -> sandbox.Policy:
        """The run's boundary: its uid from the fork server, its directory and files."""
        uid = self.request.get("uid")
        return sandbox.Policy(self.boundary, self.request["cwd"], uid, files=RUN_FILES, **more)

    def watch_as_run(self) -> None:
        """Once the run's first process is forked: read its /proc as its uid, where we lack
        the capability to read another uid's (a container)."""
        if self.boundary.uids and self.request.get("uid") is not None:
            caps.watch_as(int(self.request["uid"]))

    def add_proc(self, pid: int, ppid: int, role: str, chan: socket.socket) -> Proc:
        proc = self.new_proc(pid, ppid, role)
        self.chans.add(chan, proc)
        return proc

    def new_proc(self, pid: int, ppid: int, role: str) -> Proc:
        """A process of the run, with a pidfd to ask the kernel about its pipes."""
        proc = Proc(pid=pid, ppid=ppid, role=role, order=len(self.world.procs))
        try:
            proc.pidfd = os.pidfd_open(pid)
        except OSError:
            proc.pidfd = None
        self.world.procs[pid] = proc
        return proc

    # -- the loop --------------------------------------------------------------------------
    def run(self) -> RunOver:
        try:
            self.start()
            while True:
                self.tick()
        except RunOver as over:
            return over
        except Exception as exc:  # a bug of ours must still end the run cleanly
            traceback.print_exc()
            error = f"{type(exc).__name__}: {exc}"
            return RunOver(
                "error", f"pipescope failed while running this: {error}", "end.bug", error=error
            )

    def tick(self) -> None:
        self.schedule()
        now = time.monotonic()
        self.check_limits(now)
        timeout = min(self.deadline - now, POLL_S if self.watching() else 0.25)
        if self.holder is not None:
            timeout = min(timeout, BLOCK_PROBE_S)
        wait = self.turns.wait()
        if wait is not None and self.holder is None:
            timeout = min(timeout, wait)
        ready = self.sel.select(max(0.0, timeout))
        # Processes first: a write to the terminal reports its bytes with its own return.
        for key, _ in sorted(ready, key=lambda kv: kv[0].data == "pty"):
            if key.data == "proc" and self.wakes_before_cause(key.fileobj.fileno()):  # type: ignore[union-attr]
                time.sleep(0.0001)
                continue
            if key.data == "pty":
                # A write to the terminal still out tells its bytes with its own return.
                if self.tty.read() and not self.holder_writes_tty():
                    self.emit_output()
            elif key.data == "control":
                self.read_control()
            elif key.data == "signal":
                self.handlers_ran()  # a handler's report no call of ours was waiting for
            else:
                self.read_chan(key.fileobj.fileno())  # type: ignore[union-attr]
        self.probe_holder()
        self.watch_unreported()
        self.schedule()
        if not self.world.live() and self.holder is None:
            self.tty.drain(0.01)
            self.emit_output()
            raise RunOver("exited", "every process has exited", "end.all_exited")

    def check_limits(self, now: float) -> None:
        """Wall time, and the run's disk where no tmpfs of its own bounds it (a container)."""
        if now >= self.deadline:
            why = diagnose.stuck(self.world.snapshot())
            seconds = self.limits["wall_s"]
            limit = f"the run reached its time limit of {seconds} s"
            raise RunOver("timeout", "; ".join([limit, *why]), "end.time_limit", seconds=seconds)
        if not self.boundary.namespaces and now >= self.next_disk_check:
            self.next_disk_check = now + DISK_CHECK_S
            if sandbox.disk_used(self.request["cwd"]) > sandbox.DISK_MB << 20:
                mb = sandbox.DISK_MB
                raise RunOver(
                    "limit", f"the run wrote more than {mb} MB of files", "end.limit_disk", mb=mb
                )

    def watching(self) -> bool:
        return any(p.program or p.blocked_on for p in self.world.live())

    # -- messages from processes ---------------------------------------------------------
    def wakes_before_cause(self, fileno: int) -> bool:
        """A blocked call that returns while another call is out was woken by that call: let
        the cause report first, so the trace reads write-then-read, as it happened."""
        found = self.chans.get(fileno)
        proc = found[1] if found else None
        holder = self.holder
        return bool(holder and proc and holder is not proc and proc.in_call is not None)

    def read_chan(self, fileno: int) -> None:
        found = self.chans.get(fileno)
        if found is None or not pending(found[0]):
            # Handling another process's message already read this one (a wait4's report,
            # a next call) or closed it: a blocking recv now would hang the whole run.
            return
        chan, proc = found
        msg, fds = channel.recv(chan)
        self.handle(proc, msg, fds)

    def handle(self, proc: Proc, msg: dict[str, Any] | None, fds: list[int]) -> None:
        if msg is None:
            self.channel_closed(proc)
        elif msg["k"] == "ready":
            proc.ready = {"call": msg["call"], "args": msg["args"], "line": msg["line"]}
            if msg.get("bytes") is not None:
                proc.ready["bytes"] = msg["bytes"]  # a write's: for the ring's pages
            self.turns.queue.append(proc)
        elif msg["k"] == "ret":
            self.returned(proc, msg, fds)
        elif msg["k"] == "exec":
            self.hand_over(proc)

    def await_ready(self, proc: Proc) -> None:
        """Take proc's next message now, so the ready queue's order never depends on which
        socket the selector happens to report first."""
        got = self.chans.next_message(proc)
        if got is not None:
            self.handle(proc, *got)

    def returned(self, proc: Proc, msg: dict[str, Any], fds: list[int]) -> None:
        call = proc.in_call or {"call": "?", "args": {}, "line": None, "blocked": False}
        proc.in_call = None
        proc.blocked_on = None
        if self.holder is proc:
            self.holder = None
        args = {**call["args"], **msg.get("args", {})}
        if call["call"] in FLAG_CHANGERS:
            proc.forget_flags()
        rest: tuple[str, int] | None = None
        if msg["errno"] is None:
            # proc.fds is still the table from before the call: the fd's pipe, as it was. A
            # call that slept moved part of its bytes before (call.block, settled): the rest.
            moved = call.get("moved", 0) if call["blocked"] else 0
            if not call["blocked"] and call["call"] == "write":
                rest = self.slept_unseen(proc, call, args, msg["ret"])
            if rest is None:
                got = msg["ret"] - moved
                source = writes(proc, call, msg)
                self.world.apply_call(proc, call["call"], args, got, call["blocked"], source, moved)
        child: Proc | None = None
        if call["call"] == "fork" and msg["ret"] > 0 and fds:
            chan = socket.socket(fileno=fds[0])
            child = self.add_proc(msg["ret"], proc.pid, msg["child_role"], chan)
        if call["call"] == "wait4" and msg["ret"] > 0:
            self.reaped(msg["ret"], msg["status"])
        if call["call"] == "rt_sigaction" and fds:
            self.handler_channel(fds[0])
        if call["call"] == "write" and msg["ret"] > 0 and self.is_tty(proc, args["fd"]):
            self.tty.drain(0.05, expect=msg["ret"] - (self.tty.bytes - call["pty_mark"]))
        # Take each process's next call first, so the state shows what it waits to do: in step
        # mode no other event comes until a viewer steps, and it steps by that `next`.
        self.await_ready(proc)
        if child is not None:
            self.await_ready(child)

        def report() -> None:
            ring = self.world.rings.get(rest[0]) if rest else None
            if rest and ring is not None:
                start = msg["ret"] - rest[1]
                ring.write(rest[1], resumed=True, source=writes(proc, call, msg), start=start)
            self.emit_return(
                proc,
                {**call, "args": args},
                msg["ret"],
                msg["errno"],
                data=msg.get("data"),
                data_truncated=bool(msg.get("cut")),
                data_runs=msg.get("runs"),
                duration=round(msg["dur"], 6),
            )
            if child is not None:
                self.emit("proc.start", child.pid, ppid=proc.pid, name=child.name, role=child.role)
            if call["call"] == "kill" and msg["errno"] is None:
                self.journey(args["pid"], signals.number(args["sig"]) or 0, proc.pid)

        self.settled(report, after=rest)

    def slept_unseen(
        self, proc: Proc, call: dict[str, Any], args: dict[str, Any], ret: int
    ) -> tuple[str, int] | None:
        """A write that returned more than the ring had room for slept, and was woken (a
        reader asleep on the empty pipe took a page) before a probe could see it asleep. The
        model takes what fitted before the sleep now; the rest lands after the calls it
        woke, and its return is reported after theirs: (pipe, the rest), or None."""
        pipe = proc.fd_pipe(args["fd"])
        ring = self.world.rings.get(pipe or "")
        if pipe is None or ring is None or ring.copy().write(args["count"]) >= ret:
            return None
        return pipe, ret - ring.write(args["count"], source=writes(proc, call))

    def holder_writes_tty(self) -> bool:
        holder = self.holder
        call = holder.in_call if holder else None
        if holder is None or call is None:
            return False
        return call["call"] == "write" and self.is_tty(holder, call["args"]["fd"])

    def is_tty(self, proc: Proc, fd: int) -> bool:
        return any(r["fd"] == fd and r["kind"] == "tty" for r in proc.fds)

    def channel_closed(self, proc: Proc) -> None:
        """The process exec'd (its channel was close-on-exec) or died."""
        self.chans.drop(proc)
        if proc in self.turns.queue:
            self.turns.queue.remove(proc)
        call = proc.in_call
        if self.holder is proc:
            self.holder = None
        if call and call["call"] == "execve":
            # A failed execve reports its errno; silence means the new program runs.
            proc.in_call = None
            proc.program = list(call["args"]["argv"])
            traced = self.execs.exec_done(proc)  # held at its first instruction, if traced
            self.settled(lambda: self.emit_return(proc, call, 0, None))
            if traced is not None:
                self.chans.add(traced, proc)
                self.execs.started(proc)
            return
        self.died(proc, self.death_status(proc), call)

    def emit_return(
        self, proc: Proc, call: dict[str, Any], ret: int, err: str | None, **moved: Any
    ) -> None:
        """call.return; `moved` gives data, data_truncated, data_runs, duration when known."""
        self.handlers_ran(proc)  # a handler that ran inside the call ran before it returned
        unknown = {"data": None, "data_truncated": False, "data_runs": None, "duration": None}
        fields = {**called(call), "ret": ret, "errno": err, **unknown, **moved}
        self.emit("call.return", proc.pid, **fields, blocked=call["blocked"])

    # -- watching what does not report (exec'd programs: unreported.py) --------------------
    def probe_holder(self) -> None:
        proc = self.holder
        if proc is None or proc.in_call is None:
            return
        if time.monotonic() - proc.in_call["t"] < BLOCK_PROBE_S:
            return
        found = procfs.blocked_in_kernel(proc.pid)
        if found is None or self.chans.pending(proc):
            return
        where, fd = found
        call = proc.in_call
        call["blocked"] = True
        proc.blocked_on = proc.asleep(call["call"], call["args"], fd, where)
        pipe = proc.blocked_on["pipe"]
        self.holder = None
        ring = self.world.rings.get(pipe or "")
        if call["call"] == "write" and ring is not None:
            # What it wrote before it slept: the model's rule for a blocking write, which the
            # state's FIONREAD then checks.
            call["moved"] = ring.write(call["args"]["count"], source=writes(proc, call))
        settle.record_sleep(proc, self.seq)
        self.settled(
            lambda: self.emit("call.block", proc.pid, **called(call), blocked_on=proc.blocked_on),
            cause=proc,
        )

    # -- the scheduler ---------------------------------------------------------------------
    def read_control(self) -> None:
        try:
            data = self.out.recv(65536)
        except OSError:
            data = b""
        if not data:
            raise RunOver(
                "viewer-left", "the server closed the run's channel", "end.channel_closed"
            )
        for line in data.splitlines():
            msg = json.loads(line)
            if msg.get("op") == "kill":
                raise RunOver("killed", "the run was stopped on request", "end.stopped")
            self.turns.control(msg)

    def schedule(self) -> None:
        while self.holder is None and (proc := self.turns.next()) is not None:
            self.grant(proc)

    # -- the ordering rule ---------------------------------------------------------------
    def settled(
        self,
        report: Callable[[], None],
        cause: Proc | None = None,
        after: tuple[str, int] | None = None,
    ) -> None:
        """Send the events of a call's end (`report`), then, before anything else happens,
        those of every call the kernel woke meanwhile, in kernel order, each with the world
        after it (docs/events.md, "Order of events"). A woken call is shown running, not
        blocked, from the event of the call that woke it on. `after`: the call slept unseen
        and moved (pipe, bytes) once woken, so its report comes after the calls it woke."""
        if self.settling:  # a woken call's own report, inside the settling of its cause
            report()
            return
        sleepers = [
            p
            for p in self.world.live()
            if p is not cause and p is not self.holder and p.in_call and p.in_call["blocked"]
        ]
        sleepers = [p for p in sleepers if self.chans.of(p) is not None]
        if not sleepers and not (cause and cause.in_call and cause.in_call["call"] == "write"):
            report()
            return
        self.settling = True
        try:
            steps = settle.plan(self.world, settle.await_woken(sleepers, self.chans), cause)
            ahead = self.world.ahead = {after[0]: after[1]} if after else {}
            for step in steps:
                if step.pipe is not None:
                    ahead[step.pipe] = ahead.get(step.pipe, 0) + step.move
                if step.proc is not cause:
                    step.proc.blocked_on = None  # woken by the cause: no longer asleep
            if after is None:
                report()
            if steps and steps[-1].proc is cause:
                cause.blocked_on = None  # a reader woken after it woke it in turn
            for step in steps:
                if step.pipe is not None:
                    ahead[step.pipe] -= step.move
                if step.reply is not None:
                    self.handle(step.proc, *step.reply)
                else:
                    self.slept_again(step)
            if after is not None:
                ahead[after[0]] -= after[1]
                report()
        finally:
            self.settling = False
            self.world.ahead = {}

    def slept_again(self, step: settle.Step) -> None:
        """A woken write that filled the slots freed for it and sleeps again."""
        call = step.proc.in_call
        assert call is not None
        ring = self.world.rings.get(step.pipe or "")
        if ring is not None:
            source, start = writes(step.proc, call), call.get("moved", 0)
            ring.write(step.move, resumed=True, source=source, start=start)
        call["moved"] = call.get("moved", 0) + step.move
        step.proc.blocked_on = step.blocked_on
        settle.record_sleep(step.proc, self.seq)
        self.emit("call.block", step.proc.pid, **called(call), blocked_on=step.blocked_on)

    def grant(self, proc: Proc) -> None:
        self.settled(lambda: None)  # a sleep that ended by itself, an exec'd program's write
        ready = proc.ready
        assert ready is not None
        proc.ready = None
        now = time.monotonic()
        proc.in_call = {**ready, "t": now, "blocked": False, "pty_mark": self.tty.bytes}
        deny = None
        if ready["call"] == "fork" and len(self.world.live()) >= int(self.limits["max_procs"]):
            deny = "EAGAIN"  # as fork(2) says when RLIMIT_NPROC is reached
        deny = deny or self.refuse_kill(ready)
        self.holder = proc
        self.emit("call.enter", proc.pid, **called(ready))
        chan = self.chans.of(proc)
        assert chan is not None  # it asked through it for this very call
        channel.send(chan, {"k": "deny", "errno": deny} if deny else {"k": "go"})


def called(call: dict[str, Any]) -> dict[str, Any]:
    """The fields every call event carries: which call, its arguments, its source line."""
    return {"call": call["call"], "args": call["args"], "line": call["line"]}

"""A signal's journey, as the kernel and the C handler tell it: sent, pending while blocked
(or merged into one already pending), handled, ignored, stopping or continuing a process.

A part of Supervisor (supervisor.py), kept apart as one concept, as deaths.py is. The C
handler (csrc/handler.c) reports each run with one packet on the handler channel before the
call it interrupted returns, so each `handle` event goes out before that call's return. A
signal sent by a kill is followed to its end at once, before anyone else's call goes, so a
run's events always read kill, then what the signal did.
"""

from __future__ import annotations

import json
import selectors
import socket
import time
from typing import TYPE_CHECKING, Any

from app.kernel import procfs, signals

if TYPE_CHECKING:
    from app.runner.channels import Channels
    from app.runner.world import Proc, World

JOURNEY_WAIT_S = 1.0  # a signal's delivery takes microseconds; past this, say nothing
POLL_S = 0.0002
CODES = {0: "SI_USER", -1: "SI_QUEUE", -6: "SI_TKILL", 0x80: "SI_KERNEL"}
CHILD_CODES = {
    1: "CLD_EXITED",
    2: "CLD_KILLED",
    3: "CLD_DUMPED",
    5: "CLD_STOPPED",
    6: "CLD_CONTINUED",
}


class SignalWatch:
    world: World
    chans: Channels
    sel: selectors.BaseSelector
    last_state: dict[str, Any]

    if TYPE_CHECKING:  # the supervisor's own

        def emit(
            self, type_: str, pid: int | None, state: dict[str, Any] | None = None, **fields: Any
        ) -> None: ...
        def read_chan(self, fileno: int) -> None: ...

    def __init__(self) -> None:
        self.handler_socks: list[socket.socket] = []  # our ends of the handler channels
        self.handler_runs: list[dict[str, Any]] = []  # reports read, not yet told
        # A signal's target as it was before the signal: its sets, and whether stopped.
        self.before_kill: dict[int, tuple[dict[str, list[str]] | None, bool]] = {}
        self.killed_by: dict[int, int | None] = {}  # a death a kill caused: who sent it

    def handler_channel(self, fd: int) -> None:
        """A process made its handler channel (its first handler): watch our end."""
        sock = socket.socket(fileno=fd)
        sock.setblocking(False)
        self.handler_socks.append(sock)
        self.sel.register(sock, selectors.EVENT_READ, "signal")

    def take_handler_runs(self) -> None:
        for sock in list(self.handler_socks):
            while True:
                try:
                    data = sock.recv(512)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    data = b""
                if not data:  # every process holding it is gone
                    self.sel.unregister(sock)
                    self.handler_socks.remove(sock)
                    sock.close()
                    break
                self.handler_runs.append(json.loads(data))

    def handlers_ran(self, proc: Proc | None = None, signo: int | None = None) -> bool:
        """Tell each handler run reported so far (of proc only, when given); whether one of
        signal signo was among them."""
        self.take_handler_runs()
        runs = self.handler_runs
        mine = [r for r in runs if proc is None or r["pid"] == proc.pid]
        found = False
        for run in mine:
            runs.remove(run)
            found = found or run["signo"] == signo
            if run["pid"] not in self.world.procs:
                continue
            code = run["code"]
            named = CHILD_CODES.get(code) if run["signo"] == 17 else CODES.get(code)
            self.emit(
                "signal",
                run["pid"],
                signal=signals.name(run["signo"]),
                signo=run["signo"],
                action="handle",
                sender=run["from"] or None,
                code=named or str(code),
                handler_mask=signals.names(run["mask"]),
            )
        return found

    def was_pending(self, pid: int, name: str) -> bool:
        """Whether name was pending at pid before this signal came: read as the kill was let
        go (`refuse_kill`), or, for the kernel's SIGCHLD, from the last event's state."""
        sets, _ = self.before_kill.get(pid, (None, False))
        if sets is None:
            return False
        return name in sets["pending"] or name in sets["shared_pending"]

    def journey(self, target_pid: int, signo: int, sender: int | None) -> None:
        """Follow a signal just sent to target_pid to what it did there, and tell it."""
        target = self.world.procs.get(target_pid)
        if target is None or target.exited or target.killed:
            return
        name = signals.name(signo)
        merged = not signals.is_realtime(signo) and self.was_pending(target_pid, name)
        was_stopped = self.before_kill.pop(target_pid, (None, target.stopped))[1]
        end = time.monotonic() + JOURNEY_WAIT_S
        while time.monotonic() < end:
            if self.handlers_ran(target, signo):
                return
            sets, st = signals.sets(target_pid), procfs.stat(target_pid)
            if sets is None or st is None or st.state in ("Z", "X"):
                self.killed_by[target_pid] = sender
                chan = self.chans.of(target)
                if chan is not None and self.chans.pending(target):
                    self.read_chan(chan.fileno())  # its death: told now, as the signal's end
                return
            told = self.outcome(target, name, sets, st.state, merged, was_stopped)
            if told == "quiet":
                return
            if told is not None:
                self.emit(
                    "signal", target_pid, signal=name, signo=signo, action=told, sender=sender
                )
                return
            time.sleep(POLL_S)

    def outcome(
        self,
        target: Proc,
        name: str,
        sets: dict[str, list[str]],
        state: str,
        merged: bool,
        was_stopped: bool,
    ) -> str | None:
        """What the kernel did with the signal, once it shows; None while it is on its way."""
        pending = name in sets["pending"] or name in sets["shared_pending"]
        if pending and name in sets["blocked"]:
            return "merged" if merged else "pending"
        if pending:
            return None  # deliverable: the target runs its way to it now
        if name in sets["caught"]:
            # Taken by sigwaitinfo (its return tells), or the handler's report is coming.
            call = target.in_call or {}
            return "quiet" if call.get("call") == "rt_sigtimedwait" else None
        if name == "SIGCONT" and was_stopped:
            target.stopped = state == "T"
            return None if target.stopped else "continue"
        if name in sets["ignored"] or name in signals.DEFAULT_IGNORE:
            return "ignore"
        if name in signals.DEFAULT_STOP:
            target.stopped = state == "T"
            return "stop" if target.stopped else None
        return None  # a default action that kills: the death tells it

    def killer(self, proc: Proc, call: dict[str, Any] | None) -> int | None:
        """Who sent the signal that killed proc: a kill we followed, its own kill (it died
        inside it, as raise(SIGTERM) does), or None: the kernel (SIGPIPE)."""
        sender = self.killed_by.pop(proc.pid, None)
        if (
            sender is None
            and call
            and call["call"] == "kill"
            and call["args"].get("pid") == proc.pid
        ):
            sender = proc.pid
        return sender

    def refuse_kill(self, ready: dict[str, Any]) -> str | None:
        """ESRCH for a kill whose pid is no process of this run (a reaped child's pid may be
        anyone's by now): a run signals its own processes only."""
        if ready["call"] != "kill":
            return None
        pid = ready["args"].get("pid", -1)
        proc = self.world.procs.get(pid)
        if proc is None or proc.reaped:
            return "ESRCH"
        self.before_kill = {pid: (signals.sets(pid), proc.stopped)}
        return None

    def child_ending(self, child: Proc) -> None:
        """Before a child's end is told: its parent's sets as the last event showed them,
        before the kernel's SIGCHLD (for `merged`)."""
        for proc in self.last_state.get("procs", []):
            if proc["pid"] == child.ppid:
                self.before_kill = {child.ppid: (proc.get("signals"), False)}

    def child_ended(self, child: Proc) -> None:
        """The kernel sent SIGCHLD to the parent: tell its journey when the parent cares (a
        handler, or blocked); the default, ignored, is silent, as it is to a C program."""
        parent = self.world.procs.get(child.ppid)
        if parent is None or parent.exited or parent.killed:
            return
        sets = signals.sets(parent.pid)
        if sets is None or not ({"SIGCHLD"} & {*sets["caught"], *sets["blocked"]}):
            return
        self.journey(parent.pid, 17, child.pid)

"""The run's exec'd programs: which are traced, and the channel each one speaks through.

An exec'd program's channel is an ExecChannel: to the supervisor it is one of its own
processes' channels (a socket it selects on, reads `ready`/`ret` messages from and sends
`go` to). Behind it, an ExecTrace says for the program what strace sees. Reading it when it
holds nothing asks strace for the next line, as waiting on one of ours waits for its next
call; sending `go` releases the line strace is held at.
"""

from __future__ import annotations

import json
import select
import shutil
import socket
from typing import Any

from app.runner import channel
from app.runner.exec_trace import AttachFailed, ExecTrace
from app.runner.sandbox import Policy
from app.runner.world import Proc
from app.scenarios import argv as arguments
from app.strace import spec

NEXT_CALL_WAIT_S = 0.02  # after a return, how long strace gets to show the next call
QUIET = b'{"k":"quiet"}'  # a message the supervisor takes and ignores: nothing to tell yet


class ExecChannel(socket.socket):
    """The supervisor's end of an exec'd program's channel; strace speaks at the other."""

    trace: ExecTrace
    peer: socket.socket

    @classmethod
    def pair(cls, trace: ExecTrace) -> ExecChannel:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        chan = cls(fileno=mine.detach())
        chan.trace, chan.peer = trace, theirs
        return chan

    def deliver(self) -> None:
        """Put what strace said where the supervisor reads it."""
        while self.trace.outbox:
            msg = self.trace.outbox.pop(0)
            if msg is None:
                self.peer.close()  # the program ended: its channel closes
                return
            if self.peer.fileno() >= 0:
                channel.send(self.peer, msg)

    def recvmsg(self, *args: Any) -> tuple[bytes, list[tuple[int, int, bytes]], int, Any]:
        if not self.waiting():
            self.trace.pump(NEXT_CALL_WAIT_S)
            self.deliver()
            if not self.waiting():  # nothing yet: the program computes, or sleeps unseen
                return QUIET, [], 0, None
        return super().recvmsg(*args)

    def waiting(self) -> bool:
        """A message (or the close) is here. Not `pending`: with a timeout set, Python
        waits that long even for a MSG_DONTWAIT peek."""
        return bool(select.select([self], [], [], 0)[0])

    def send(self, data: Any, *args: Any) -> int:
        msg = json.loads(bytes(data))
        if msg.get("k") in ("go", "deny"):  # a traced call cannot be refused: it goes
            self.trace.go()
        return len(data)

    def close(self) -> None:
        self.peer.close()
        super().close()


class ExecWatch:
    """Every exec'd program of the run that strace follows."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.traces: dict[int, ExecTrace] = {}
        self.channels: dict[int, ExecChannel] = {}
        # strace runs as the run's uid (or as ours, with no uids to give: the run's is ours),
        # which may trace the run's processes without CAP_SYS_PTRACE. Where the kernel still
        # refuses (Yama, a container's seccomp profile), each attach says so as it fails.
        self.mode = "strace" if shutil.which(spec.STRACE) else "proc"

    def attach(self, proc: Proc, argv: list[str]) -> str | None:
        """Before proc execs argv: strace attached to it, or why not (None: not asked)."""
        if self.mode != "strace":
            return "tracing is not available here"
        try:
            arguments.check(argv)
        except arguments.Refusal:
            return None  # only allowlisted programs, as the service lets a run exec them
        try:
            self.traces[proc.pid] = ExecTrace(proc.pid, proc.role, self.policy)
        except (AttachFailed, OSError) as exc:
            return f"strace could not attach to pid {proc.pid}: {exc}"
        return None

    def exec_done(self, proc: Proc) -> ExecChannel | None:
        """proc's execve worked: its channel from now on, once the new program is held."""
        trace = self.traces.get(proc.pid)
        if trace is None:
            return None
        if not trace.await_exec():
            self.drop(proc.pid)
            return None
        chan = self.channels[proc.pid] = ExecChannel.pair(trace)
        return chan

    def started(self, proc: Proc) -> None:
        trace = self.traces.get(proc.pid)
        if trace is not None:
            trace.report()

    def reports(self, proc: Proc) -> bool:
        return proc.pid in self.channels

    def unshown_next(self, live: list[Proc], shown: dict[str, Any]) -> bool:
        """A traced program asked for its next call after the last event was sent (it does
        so when strace shows it, not, as ours do, before their return is told)."""
        nexts = {p["pid"]: p["next"] for p in shown.get("procs", [])}
        return any(p.ready and self.reports(p) and not nexts.get(p.pid) for p in live)

    def pump(self) -> list[int]:
        """Take what every strace has written; the pids whose strace ended before them."""
        lost = []
        for pid, trace in list(self.traces.items()):
            if pid not in self.channels:
                trace.pump()  # handing over: let its execve through
                if trace.phase == "failed":
                    self.drop(pid)  # it failed, and the process goes on reporting itself
                continue
            alive = trace.pump()
            self.channels[pid].deliver()
            if not alive:
                del self.traces[pid]
                if trace.phase == "lost":
                    lost.append(pid)
                    del self.channels[pid]
        return lost

    def drop(self, pid: int) -> None:
        trace = self.traces.pop(pid, None)
        if trace is not None:
            trace.stop()
        self.channels.pop(pid, None)

    def close(self) -> None:
        for pid in list(self.traces):
            self.drop(pid)

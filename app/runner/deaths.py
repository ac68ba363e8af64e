"""How a run's processes end, as the kernel tells it: a death, its wait status, who reaped.

A part of Supervisor (supervisor.py), kept apart as one concept; it uses the supervisor's
world, channels and events. A death closes the process's files, which may wake a reader
(EOF) or a writer (SIGPIPE), so it is told through the ordering rule (`settled`).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.runner import hygiene

if TYPE_CHECKING:
    from app.runner.channels import Channels
    from app.runner.world import Proc, World


class Deaths:
    world: World
    chans: Channels

    if TYPE_CHECKING:  # the supervisor's own

        def emit(
            self, type_: str, pid: int | None, state: dict[str, Any] | None = None, **fields: Any
        ) -> None: ...
        def emit_return(
            self, proc: Proc, call: dict[str, Any], ret: int, err: str | None, **moved: Any
        ) -> None: ...
        def read_chan(self, fileno: int) -> None: ...
        def child_ending(self, child: Proc) -> None: ...
        def killer(self, proc: Proc, call: dict[str, Any] | None) -> int | None: ...

        def child_ended(self, child: Proc) -> None: ...
        def settled(
            self,
            report: Callable[[], None],
            cause: Proc | None = None,
            after: tuple[str, int] | None = None,
        ) -> None: ...

    def death_status(self, proc: Proc) -> int | None:
        found = hygiene.wait_for_death(proc.pid, 2.0)
        if found is None:
            return None
        status, here = found
        if status is None:
            # Its parent reaped it first, in a wait4 whose report is on its way: the status
            # it carries is the kernel's own, so let that report tell the death.
            parent = self.world.procs.get(proc.ppid)
            chan = self.chans.of(parent) if parent is not None else None
            if parent is not None and chan and self.chans.await_message(parent, 1.0):
                self.read_chan(chan.fileno())
        proc.reaped = proc.reaped or here
        return status

    def died(self, proc: Proc, status: int | None, call: dict[str, Any] | None) -> None:
        # Its exit closes its files: that may wake a reader (EOF) or a writer (SIGPIPE).
        self.settled(lambda: self.tell_death(proc, status, call))

    def tell_death(self, proc: Proc, status: int | None, call: dict[str, Any] | None) -> None:
        proc.in_call = None
        proc.ready = None
        proc.blocked_on = None
        if proc.exited or proc.killed:
            return  # already told, by its parent's wait4
        if status is None:  # reaped unseen, and its parent never said how it ended
            proc.exited = True
            self.emit("proc.exit", proc.pid, status="exited", exit_code=None, signal=None)
            return
        self.child_ending(proc)  # its parent's signals before the kernel's SIGCHLD
        signo = status & 0x7F
        if signo:
            if call and call["call"] == "write" and signo == signal.SIGPIPE:
                # pipe_write returned -EPIPE and sent SIGPIPE; the signal killed the process
                # on its way back to user space, so the call's return is the kernel's own.
                self.emit_return(proc, call, -1, "EPIPE")
            sender = self.killer(proc, call)
            self.emit(
                "signal", proc.pid, signal=signame(signo), signo=signo, action="kill", sender=sender
            )
            proc.killed, proc.signal = True, signame(signo)
        else:
            proc.exited, proc.exit_code = True, (status >> 8) & 0xFF
        self.emit(
            "proc.exit",
            proc.pid,
            status=proc.status,
            exit_code=proc.exit_code,
            signal=proc.signal,
        )
        self.child_ended(proc)  # the kernel's SIGCHLD to its parent

    def reaped(self, pid: int, status: int) -> None:
        proc = self.world.procs.get(pid)
        if proc is None:
            return
        proc.reaped = True
        if not (proc.exited or proc.killed):
            self.died(proc, status, proc.in_call)


def signame(signo: int) -> str:
    try:
        return signal.Signals(signo).name
    except ValueError:
        return f"SIG{signo}"

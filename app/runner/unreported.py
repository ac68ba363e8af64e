"""What the runner's processes cannot tell themselves: the programs they exec.

A process that execs loses its channel (close-on-exec). Right before, it waits while the
supervisor hands it over to strace (exec_watch.py), which from then on tells its calls in
the runner's own messages; where strace cannot follow it, /proc is polled and what changed
is told as `state.change`. Orphans re-parented to the supervisor are reaped here too.

A part of Supervisor (supervisor.py), kept apart as one concept; it uses the supervisor's
world, channels, turns and events.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from app.kernel import procfs
from app.runner import channel, hygiene

if TYPE_CHECKING:
    from app.runner.channels import Channels
    from app.runner.exec_watch import ExecWatch
    from app.runner.turns import Turns
    from app.runner.world import Proc, World


class Unreported:
    world: World
    chans: Channels
    turns: Turns
    execs: ExecWatch
    holder: Proc | None
    last_state: dict[str, Any]

    if TYPE_CHECKING:  # the supervisor's own

        def emit(
            self, type_: str, pid: int | None, state: dict[str, Any] | None = None, **fields: Any
        ) -> None: ...
        def died(self, proc: Proc, status: int | None, call: dict[str, Any] | None) -> None: ...
        def death_status(self, proc: Proc) -> int | None: ...

    def hand_over(self, proc: Proc) -> None:
        """proc was let go into execve and waits: have strace take it before it execs."""
        call = proc.in_call
        why = self.execs.attach(proc, list(call["args"]["argv"])) if call else None
        chan = self.chans.of(proc)
        if chan is not None:
            channel.send(chan, {"k": "go"})
        if why:
            self.emit("state.change", None, reason=f"{why}; only /proc will show its program")

    def watch_unreported(self) -> None:
        """Exec'd programs that strace does not follow report nothing: read their state,
        and report what changed."""
        changed = self.reap_orphans()
        for pid in self.execs.pump():
            self.untraced(self.world.procs[pid])
        idle = self.holder is None  # a call that is out tells the state with its return
        if (
            idle
            and not self.turns.playing
            and self.execs.unshown_next(self.world.live(), self.last_state)
        ):
            # In step mode nothing else may come: show that it waits for a step.
            self.emit("state.change", None, reason="an exec'd program waits for its next call")
        for proc in self.world.live():
            if not proc.program or self.execs.reports(proc):
                continue
            st = procfs.stat(proc.pid)
            if st is None or st.state in ("Z", "X"):
                self.died(proc, self.death_status(proc), None)
                continue
            found = procfs.blocked_in_kernel(proc.pid)
            if found is None:
                proc.blocked_on = None
            else:
                where, fd = found
                call = "read" if "read" in where else "write" if "write" in where else where
                call = "open" if where.endswith("wait_for_partner") else call  # a FIFO's open
                proc.blocked_on = proc.asleep(call, {}, fd, where)
            changed = True
        if changed:
            before = self.last_state
            state = self.world.snapshot()
            if (state["procs"], state["pipes"]) != (before.get("procs"), before.get("pipes")):
                self.emit("state.change", None, state, reason="an exec'd program moved")

    def untraced(self, proc: Proc) -> None:
        """Its strace ended before it did: /proc alone shows it from now on."""
        self.chans.drop(proc)
        if proc in self.turns.queue:
            self.turns.queue.remove(proc)
        proc.in_call = proc.ready = None
        if self.holder is proc:
            self.holder = None

    def reap_orphans(self) -> bool:
        """A zombie whose parent died is re-parented to us (the subreaper): reap it, as init
        would. One that vanished was reaped by its parent."""
        changed = False
        for proc in self.world.procs.values():
            if proc.reaped or not (proc.exited or proc.killed):
                continue
            st = procfs.stat(proc.pid)
            if st is None or st.ppid == os.getpid():
                if st is not None:
                    hygiene.reap(proc.pid)
                proc.reaped = changed = True
        return changed

"""A run's first process, made before its run: forked, given its terminal and channel, and
put inside the boundary while the spare supervisor waits for a request.

Entering the sandbox costs a few milliseconds (a network namespace, a new root: see
BENCHMARKS.md); a cell pays them ahead, so a run's first process is ready to take its program
as soon as the request comes. The program comes in a memfd (a program may be far larger than
a packet); the cell then takes the run's limits (lowering a limit needs no privilege) and
becomes the scenario's first process.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

from app.runner import channel, hygiene, sandbox, signal_helper
from app.runner.proc import ScenarioProcess, set_name


class Cell:
    def __init__(self, policy: sandbox.Policy) -> None:
        self.policy = policy
        self.master, slave = os.openpty()
        hygiene.make_raw(slave)
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        parent = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:  # never falls back into the supervisor's code
            try:
                _live(policy, slave, theirs.detach(), parent)
            finally:
                os._exit(127)
        os.close(slave)
        theirs.close()
        self.chan: socket.socket | None = mine

    def start(self, program: dict[str, Any], role: str, limits: dict[str, Any]) -> socket.socket:
        """Hand the cell its program; returns the process's channel, now the supervisor's."""
        assert self.chan is not None
        memfd = os.memfd_create("pipescope-program", os.MFD_CLOEXEC)
        try:
            given = {"program": program, "role": role, "limits": limits}
            os.write(memfd, json.dumps(given).encode())
            channel.send(self.chan, {"k": "program"}, (memfd,))
        finally:
            os.close(memfd)
        chan, self.chan = self.chan, None
        return chan

    def discard(self) -> None:
        """A run that needs no cell (a traced one): the cell goes, reaped."""
        hygiene.kill(self.pid)
        hygiene.reap(self.pid)
        os.close(self.master)
        if self.chan is not None:
            self.chan.close()


def _live(policy: sandbox.Policy, tty: int, chan_fd: int, parent: int) -> None:
    hygiene.clean_start(tty, chan_fd)
    sandbox.enter(policy)
    hygiene.die_with_parent()  # after the uid change, which clears it
    if os.getppid() != parent:
        return  # the supervisor died in between
    chan = socket.socket(fileno=channel.CHANNEL_FD)
    msg, fds = channel.recv(chan)
    chan.detach()  # the scenario process takes the same fd as its own
    if msg is None or not fds:
        return
    with os.fdopen(fds[0], "rb") as f:
        f.seek(0)
        given = json.loads(f.read())
    hygiene.set_limits(given["limits"])
    signal_helper.reset()  # no disposition from above the runner shows: a C program's start
    set_name(given["role"])
    ScenarioProcess(given["program"], given["role"], {}).run()

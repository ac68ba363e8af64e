"""What a still point shows of the calls strace has let into the kernel but not yet printed
back: their effects belong to their own events, not to the event being sent.

strace prints a call's entry, lets the call run, and prints its return when it next handles
that thread; meanwhile it may print other threads' lines. So while strace waits on a line of
process B, a call of process A may already have closed A's fd, moved bytes in a pipe, or
exec'd (dropping its close-on-exec fds), with its return line still to come. The state of
B's event must not show those effects (docs/events.md, "The strace backend"):

- a process inside a call that may change its fd table (exit_group too), or that a signal
  is killing, keeps the table of the last event (`World.frozen`) until that call's own
  event (or its `proc.exit`);
- a pipe some thread is moving bytes in shows the bytes the calls told so far, the ring's
  (`World.unsettled`); FIONREAD checks it again at the first event with no call in flight.

A write that sleeps has moved what fitted before it slept: its `call.block` tells that part
(FIONREAD then, less the ring), and its return the rest.
"""

from __future__ import annotations

from app.runner.moves import MOVERS, fds_moved
from app.runner.world import World
from app.strace import calls
from app.strace.track import Tracker

TABLE_CHANGERS = frozenset(
    {
        "close",
        "close_range",
        "dup",
        "dup2",
        "dup3",
        "pipe",
        "pipe2",
        "execve",
        "execveat",
        "open",
        "openat",
        "socket",
        "socketpair",
        "accept",
        "accept4",
        "epoll_create",
        "epoll_create1",
        "fcntl",
        "recvmsg",
        "memfd_create",
        "eventfd2",
        "signalfd4",
        "exit_group",  # the kernel closes every fd as the process goes: told at its proc.exit
    }
)


def mark(world: World, tracker: Tracker, dying: set[int] | None = None) -> None:
    """Set which tables stand still and which pipes show the calls' count, for the state
    about to be read. `dying`: processes a signal is killing, whose files go at their exit."""
    world.frozen = {pid for pid in dying or () if pid in world.procs}
    world.unsettled = set()
    for proc in world.live():
        for _tid, opened in tracker.calls_in(proc.pid):
            if opened.name in TABLE_CHANGERS:
                world.frozen.add(proc.pid)
            call = calls.page_name(opened.name, opened.args)
            if opened.name in MOVERS or call in MOVERS:
                named = calls.named_args(opened.name, opened.args)
                for fd in fds_moved(opened.name if opened.name in MOVERS else call, named):
                    pipe = proc.fd_pipe(fd) if isinstance(fd, int) else None
                    if pipe is not None:
                        world.unsettled.add(pipe)

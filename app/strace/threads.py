"""Each thread's own sleep, and the threads each process shows (docs/events.md, threads[]).

A thread shares its process's fd table and memory but sleeps in its own call: the kernel
says where in /proc/TID/wchan and /proc/TID/syscall (a thread's tid works as a pid there,
though /proc lists only processes). The leader's sleep is its process's `blocked_on`; every
other thread's is in its row of `threads`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.kernel.procfs import asleep_untraced
from app.runner.escape import written
from app.runner.moves import WRITES
from app.runner.world import Proc, World, queued
from app.strace import calls
from app.strace.track import OpenCall, Tracker


class ThreadWatch:
    world: World
    tracker: Tracker
    moved_before: dict[int, int]  # thread -> bytes its write moved before it slept
    thread_blocks: dict[int, dict[str, Any]]  # thread (not a leader) -> its blocked_on

    if TYPE_CHECKING:  # the supervisor's (a mixin must not stand in its way in the MRO)

        def emit(self, type_: str, pid: int | None, state: Any = None, **fields: Any) -> None: ...

    def asleep(self, proc: Proc, tid: int, opened: OpenCall, where: str, fd: int | None) -> None:
        opened.blocked = True
        args = calls.named_args(opened.name, opened.args) | opened.inputs
        blocked_on = proc.asleep(opened.call, args, fd, where) | {"fds": waits_on(args)}
        if tid == proc.pid:
            proc.blocked_on = blocked_on
        else:
            self.thread_blocks[tid] = blocked_on
        pipe = proc.fd_pipe(fd) if fd is not None else None
        ring = self.world.rings.get(pipe or "")
        now = queued(self.world, pipe) if pipe else None
        if opened.call in WRITES and ring is not None and now is not None and now > ring.bytes:
            # What it wrote before it slept: in the kernel's count, not yet in the ring's.
            part = now - ring.bytes
            self.moved_before[tid] = part
            self.world.apply_call(proc, opened.call, args, part, source=written(proc.pid, None))
        self.emit(
            "call.block",
            proc.pid,
            tid=tid,
            call=opened.call,
            args=args,
            line=opened.line,
            blocked_on=blocked_on,
        )

    def thread_rows(self) -> None:
        """Each process's threads, for the state: a process that made none shows none."""
        for proc in self.world.procs.values():
            tids = self.tracker.threads_of(proc.pid)
            if not tids:
                if proc.threads and (proc.exited or proc.killed):
                    proc.threads = [
                        t | {"status": "exited", "call": None, "blocked_on": None, "waiting": None}
                        for t in proc.threads
                    ]
                continue
            rows = []
            for tid in tids:
                opened = self.tracker.open.get(tid)
                ended = self.tracker.thread_ended(proc.pid, tid)
                on = proc.blocked_on if tid == proc.pid else self.thread_blocks.get(tid)
                status = "exited" if ended else "blocked" if on else "running"
                call = opened.call if opened is not None and opened.entered else None
                # Between its traced calls, the kernel may have it asleep in one strace does
                # not show (pthread_join's futex): said, not taken for running.
                waiting = asleep_untraced(tid) if status == "running" and call is None else None
                rows.append(
                    {
                        "tid": tid,
                        "status": status,
                        "call": call,
                        "blocked_on": on,
                        "waiting": waiting,
                    }
                )
            proc.threads = rows


def waits_on(args: dict[str, Any]) -> list[int] | None:
    """The fds a poll or select sleeps on (an epoll's are its set's, not its arguments)."""
    if "fds" in args and isinstance(args["fds"], list) and "timeout" in args:
        return [f["fd"] for f in args["fds"] if isinstance(f, dict)]
    if "readfds" in args:
        return sorted({*args["readfds"], *args["writefds"], *args["exceptfds"]})
    return None

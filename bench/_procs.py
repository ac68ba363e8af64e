"""Processes for the readers' benchmarks: children that hold what their parent opened, and a
World of the supervisor's records of them, as a run's snapshot reads them."""

from __future__ import annotations

import os
import signal

from app.runner.world import Proc, World


def pausing_children(count: int) -> list[int]:
    """Forked children that inherit every fd open now and wait, for the reader to find."""
    kids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        kids.append(pid)
    return kids


def world_of(pids: list[int]) -> World:
    world = World()
    for order, pid in enumerate(pids):
        world.procs[pid] = Proc(
            pid=pid, ppid=1, role=str(order), order=order, pidfd=os.pidfd_open(pid)
        )
    return world

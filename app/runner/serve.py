"""The life of one run's supervisor process: contain it, run it, report its end, clean up.

Every backend's supervisor lives this life; the strace backend passes its own class.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import tempfile
import traceback
from collections.abc import Callable
from types import FrameType
from typing import Any

from app.runner import hygiene
from app.runner.cell import Cell
from app.runner.supervisor import RunOver, Supervisor

ALARM_GRACE_S = 10


FORK_SERVER_DIED = (
    "the runner's fork server stopped unexpectedly, so this run was ended; the server starts "
    "a new one: start the run again"
)


def _ended_from_outside(parent: int) -> Callable[[int, FrameType | None], None]:
    """SIGTERM comes from the kernel when the fork server dies (PDEATHSIG): an error of
    ours, not a shutdown, which the fork server does with SIGKILL after the server said so."""

    def handler(signo: int, frame: FrameType | None) -> None:
        if os.getppid() != parent:
            raise RunOver("error", FORK_SERVER_DIED, "end.fork_server_died")
        raise RunOver("shutdown", "the runner stopped: the server is shutting down", "end.shutdown")

    return handler


def run_dir(runs_dir: str | None) -> str:
    """The run's scratch directory, named after its supervisor (this process), which exists
    before its run does. The fork server names a base per session and removes a run's
    directory once its supervisor is gone, however that supervisor ended."""
    path = os.path.join(runs_dir or tempfile.gettempdir(), f"run-{os.getpid()}")
    os.makedirs(path, mode=0o755, exist_ok=True)
    return path


def contain() -> None:
    """A supervisor's first act: a session of its own, and every orphan of its run its own."""
    os.setsid()
    hygiene.become_subreaper()


def serve_run(
    out: socket.socket,
    request: dict[str, Any],
    supervisor: type[Supervisor] = Supervisor,
    cell: Cell | None = None,
) -> None:
    """The whole life of one run's supervisor process, once contained: run, report, clean
    up. (The strace backend brings its own supervisor: app.strace.supervisor.serve_trace.)"""
    # Backstops, should this process ever wedge: the fork server's death ends the run here
    # (SIGTERM -> RunOver, cleanup below), and an alarm past the wall limit ends this
    # process outright, whose orphans the fork server (a subreaper too) then kills.
    signal.signal(signal.SIGTERM, _ended_from_outside(os.getppid()))
    hygiene.die_with_parent(signal.SIGTERM)
    signal.alarm(int(float(request["limits"]["wall_s"])) + ALARM_GRACE_S)
    cwd = run_dir(request.get("runs_dir"))  # its files are written once it started
    try:
        sup = supervisor(out, {**request, "cwd": cwd}, cell)
    except Exception as exc:  # a run that cannot even start still says why, and ends
        traceback.print_exc()
        sup = Supervisor(out, {**request, "cwd": cwd, "program": {"procs": {}}})
        with contextlib.suppress(RunOver):
            sup.announce(request.get("backend", "runner"))
        over = RunOver(
            "error", f"the run could not start: {exc}", "end.could_not_start", error=str(exc)
        )
    else:
        over = sup.run()
    reason, message, key, values = over.said()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # nothing may cut the cleanup short
    try:
        doomed = [p.pid for p in sup.world.live()]
        if reason != "viewer-left":
            with contextlib.suppress(RunOver):
                sup.emit(
                    "run.end",
                    None,
                    reason=reason,
                    message=message,
                    message_key=key,
                    message_values=values,
                    killed=doomed,
                )
    finally:
        hygiene.kill_tree(os.getpid())
        shutil.rmtree(cwd, ignore_errors=True)

"""Keeping a run contained: a clean start, limits, and no process left behind.

setsid escapes a process group, so killpg is not enough. Every runner process that starts
others is a child subreaper: whatever its descendants orphan is re-parented to it, and it
walks /proc/P/task/*/children to find and SIGKILL the whole tree, then reaps until none is
left.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import termios
import time
import tty
from typing import Any

from app.kernel import procfs
from app.runner.channel import CHANNEL_FD

PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def become_subreaper() -> None:
    if _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    _libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)


def make_raw(fd: int) -> None:
    """A terminal that passes bytes through as written: no echo, no \\n -> \\r\\n."""
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def become_scenario_root(tty_fd: int, chan_fd: int, limits: dict[str, Any]) -> None:
    """In the first scenario process, before its first step: the table a shell would give a
    program (0, 1, 2 on a terminal), C's signal dispositions, and the run's limits."""
    clean_start(tty_fd, chan_fd)
    set_limits(limits)


def clean_start(tty_fd: int, chan_fd: int) -> None:
    """fds 0, 1 and 2 on the terminal, the channel at CHANNEL_FD, nothing else; C's signal
    dispositions."""
    os.dup2(chan_fd, CHANNEL_FD, inheritable=False)
    for target in (0, 1, 2):
        os.dup2(tty_fd, target, inheritable=True)
    os.closerange(3, CHANNEL_FD)
    os.closerange(CHANNEL_FD + 1, 65536)
    # Python ignores SIGPIPE and SIGXFSZ; a C program dies of them. Be the C program.
    for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def set_limits(limits: dict[str, Any]) -> None:
    """The run's rlimits (only ever lowered, so a process already inside the boundary may
    set them)."""
    cpu = int(limits["cpu_s"])
    mem = int(limits["memory_mb"]) << 20
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (CHANNEL_FD + 1, CHANNEL_FD + 1))
    # Counted per uid: a cap once the sandbox gives the run a uid of its own (strace is one).
    procs = int(limits["max_procs"]) + 1
    resource.setrlimit(resource.RLIMIT_NPROC, (procs, procs))


def wait_for_death(pid: int, timeout: float) -> tuple[int | None, bool] | None:
    """(wait status, reaped here) once pid is a zombie or gone; None if still alive.

    A zombie's /proc stat already holds its wait status, so we can report how it died while
    leaving the reaping to its own parent, as the kernel intends. One of ours we reap. One
    already reaped by someone else gives (None, False): only that parent knows the status.
    """
    end = time.monotonic() + timeout
    me = os.getpid()
    while True:
        st = procfs.stat(pid)
        if st is None:
            status = reap(pid)
            return status, status is not None
        if st.state in ("Z", "X"):
            if st.ppid == me:
                status = reap(pid)
                return (status if status is not None else st.exit_code), True
            return st.exit_code, False
        if time.monotonic() >= end:
            return None
        time.sleep(0.0002)


def reap(pid: int) -> int | None:
    """Wait for pid, one of our children; None when it is not (or no longer) ours."""
    try:
        _, status = os.waitpid(pid, 0)
        return status
    except ChildProcessError:
        return None


def kill(pid: int) -> bool:
    """SIGKILL pid; False when it was already gone."""
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


def kill_tree(root: int) -> list[int]:
    """SIGKILL every descendant of root (escapees from setsid included), then reap them."""
    killed: list[int] = []
    for _ in range(50):
        found = procfs.descendants(root)
        alive = [p for p in found if (st := procfs.stat(p)) is not None and st.state != "Z"]
        killed.extend(pid for pid in alive if kill(pid))
        reap_all()
        if not procfs.descendants(root):
            break
        time.sleep(0.002)
    return sorted(set(killed))


def reap_all() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return

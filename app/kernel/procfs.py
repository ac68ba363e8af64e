"""Process facts from /proc: fd tables, run state, where a sleeping process waits."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from app.kernel import fifo, file_types

# Fds from here up are the runner's own channels; they are never shown.
RESERVED_FD = 1000

O_ACCMODE = 0o3
O_NONBLOCK = 0o4000
O_CLOEXEC = 0o2000000
# Kernels before 2025 say pipe_read/pipe_write; newer ones anon_pipe_read/anon_pipe_write.
PIPE_WCHAN = re.compile(r"pipe_(read|write)$")
# Where a process sleeps in a call we know, one line a kind of object (wchan names vary with
# the kernel build: each is matched at the end of the name; a compiler's suffix such as
# `sigsuspend.isra.0` is part of it).
SLEEPS = {
    "pipe": r"pipe_(read|write)|pipe_wait\w*",
    "wait": r"do_wait",
    "sleep": r"nanosleep",
    "fifo": r"wait_for_partner",  # an open of a FIFO, until the other end opens
    "other": r"wait_woken",
    "poll": r"poll_schedule_timeout[\w.]*|do_epoll_wait|ep_poll",  # poll, select, epoll
    "signal": r"pause|sigsuspend[\w.]*|do_sigtimedwait[\w.]*|do_signal_stop[\w.]*",
    "futex": r"futex_\w*wait\w*",  # a sem_wait or mutex in shared memory (6.18: futex_do_wait)
    "socket": r"unix_stream_read_generic|__skb_wait_for_more_packets|sock_alloc_send_pskb"
    r"|unix_wait_for_peer",
}
BLOCKING_WCHANS = re.compile("(" + "|".join(SLEEPS.values()) + ")$")
# Sleeps whose call's first argument is the fd it waits on.
FD_WCHANS = re.compile(f"(pipe_(read|write)|{SLEEPS['socket']})$")


def read_text(path: str) -> str | None:
    # Raw os calls: this runs for every event, and io.open's buffering costs twice as much.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    try:
        return os.read(fd, 65536).decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def classify(target: str) -> str:
    if target.startswith("pipe:"):
        return "pipe"
    if target.startswith("socket:"):
        return "socket"
    if target.startswith("anon_inode:"):
        return "anon"
    if target == "/dev/null":
        return "null"
    if target.startswith(("/dev/pts/", "/dev/tty", "/dev/console")) or target == "/dev/ptmx":
        return "tty"
    if target.startswith("/"):
        return "file"
    return "other"


def fd_flags(pid: int, fd: int) -> int:
    info = read_text(f"/proc/{pid}/fdinfo/{fd}") or ""
    for line in info.splitlines():
        if line.startswith("flags:"):
            return int(line.split()[1], 8)
    return 0


def fd_table(
    pid: int,
    known: dict[tuple[int, str], int] | None = None,
    flags_out: dict[int, int] | None = None,
) -> list[dict[str, Any]] | None:
    """Every fd below RESERVED_FD of pid, as /proc shows it; None when pid is gone, or its
    /proc may no longer be read (see `readable`).

    `known` caches fdinfo flags by (fd, target) for a caller that knows no call since could
    have changed them (only fcntl, dup2 and exec can); it is filled as flags are read.
    `flags_out`, when given, receives each fd's fdinfo flags.
    """
    base = f"/proc/{pid}/fd"
    try:
        names = os.listdir(base)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    rows = []
    for name in sorted(names, key=int):
        fd = int(name)
        if fd >= RESERVED_FD:
            continue
        try:
            target = os.readlink(f"{base}/{name}")
        except OSError:
            continue  # closed between listdir and readlink
        flags = known.get((fd, target)) if known is not None else None
        if flags is None:
            flags = fd_flags(pid, fd)
            if known is not None:
                known[(fd, target)] = flags
        if flags_out is not None:
            flags_out[fd] = flags
        access = flags & O_ACCMODE
        mode = {0: "r", 1: "w"}.get(access, "rw")
        kind = classify(target)
        type_, inode = file_types.of(pid, fd, target)
        pipe = target if kind == "pipe" else None
        if kind == "file" and type_ == "fifo" and inode is not None:
            kind, pipe = "fifo", fifo.fifo_id(inode)  # a named pipe: its link is its path
        rows.append(
            {
                "fd": fd,
                "kind": kind,
                "type": type_,
                "target": target,
                "pipe": pipe,
                "socket": target if kind == "socket" else None,
                "end": {"r": "read", "w": "write"}.get(mode, "both") if pipe else None,
                "mode": mode,
                "nonblock": bool(flags & O_NONBLOCK),
                "cloexec": bool(flags & O_CLOEXEC),
            }
        )
    return rows


@dataclass
class ProcStat:
    state: str  # R, S, D, Z, T, ...
    ppid: int
    exit_code: int  # wait-status encoding: a signal in the low 7 bits, an exit code above


def stat(pid: int) -> ProcStat | None:
    text = read_text(f"/proc/{pid}/stat")
    if not text:
        return None
    # comm may hold spaces and parentheses: the fields start after the last ')'.
    rest = text[text.rfind(")") + 2 :].split()
    exit_code = int(rest[49]) if len(rest) > 49 else 0
    return ProcStat(state=rest[0], ppid=int(rest[1]), exit_code=exit_code)


def wchan(pid: int) -> str:
    return (read_text(f"/proc/{pid}/wchan") or "").strip()


def syscall_fd(pid: int) -> int | None:
    """The first argument of the system call pid sleeps in, when it sleeps in one."""
    text = (read_text(f"/proc/{pid}/syscall") or "").split()
    if len(text) < 2 or text[0] in ("running", "-1"):
        return None
    try:
        return int(text[1], 16)
    except ValueError:
        return None


# Calls strace is not asked to show that a thread sleeps in (x86-64 numbers): pthread_join,
# a mutex and a condition variable wait in futex; sleep(3) and usleep in (clock_)nanosleep.
UNTRACED_SLEEPS = {202: "futex", 35: "nanosleep", 230: "clock_nanosleep"}


def asleep_untraced(tid: int) -> str | None:
    """The untraced call a thread sleeps in now, by its own /proc/TID/syscall and wchan (a
    tid works as a pid there), or None: it runs, or it is in another call."""
    text = (read_text(f"/proc/{tid}/syscall") or "").split()
    if not text or not text[0].isdigit() or int(text[0]) not in UNTRACED_SLEEPS:
        return None
    if not BLOCKING_WCHANS.search(wchan(tid)):
        return None  # entering or leaving it, not asleep
    return UNTRACED_SLEEPS[int(text[0])]


def blocked_in_kernel(pid: int) -> tuple[str, int | None] | None:
    """(wchan, fd) when pid sleeps in a blocking call we know, else None. Zombies never block."""
    st = stat(pid)
    if st is None or st.state not in ("S", "D", "T"):
        return None
    where = wchan(pid)
    if not BLOCKING_WCHANS.search(where) or (st.state == "T") != ("do_signal_stop" in where):
        return None
    fd = syscall_fd(pid) if FD_WCHANS.search(where) else None
    if fd is not None and fd >= RESERVED_FD:
        return None  # waiting on the runner's channel (a socket too) to be let go: no call
    return where, fd


def switch_ins(pid: int) -> int | None:
    """How many times pid has been given a CPU (/proc/PID/schedstat, its third field). The
    kernel counts it as the task starts to run, so a sleeper whose count moved was woken,
    even if it sleeps again now."""
    text = read_text(f"/proc/{pid}/schedstat")
    fields = text.split() if text else []
    return int(fields[2]) if len(fields) > 2 else None


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, ProcessLookupError):
        return out
    for tid in tasks:
        text = read_text(f"/proc/{pid}/task/{tid}/children") or ""
        out.extend(int(c) for c in text.split())
    return out


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = children(pid)
    while todo:
        p = todo.pop()
        if p in found:
            continue
        found.append(p)
        todo.extend(children(p))
    return found

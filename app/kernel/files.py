"""Open file descriptions: which fds share one `struct file`, asked of the kernel with kcmp(2).

The kernel has three layers: each process's fd table points to an open file (access mode,
O_NONBLOCK, offset), which fork and dup share, and that points to the pipe. Nothing in /proc
names the open file an fd points to, but `kcmp(pid1, pid2, KCMP_FILE, fd1, fd2)` returns 0
exactly when two fds point to the same one (man 2 kcmp). A pipe's `readers` and `writers`
count open files, not fds, so EOF comes when the last reference to the last write-end file
goes: this is how the page can say so.

- **What it reads.** kcmp(2), syscall 312 on x86-64 (272 on arm64), through ctypes.
- **Cost.** Only fds with the same target (one pipe inode, one tty) and the same status
  flags from fdinfo can share a file, so only those are compared: each fd is compared with
  one member of each file already found for its target. `hello-pipe` after its fork is 2
  calls for the pipe; `bench/bench_files.py` measures a call (about 1 µs here).
- **What it cannot see.** kcmp needs ptrace read access to both processes with the caller's
  *real* credentials (PTRACE_MODE_READ_REALCREDS): the supervisor, root outside the run's
  uid, has it on a host through CAP_SYS_PTRACE; a container's root without CAP_SYS_PTRACE
  does not, and then `group` says so (`Refused`) rather than guessing from the calls. An fd
  closed between the /proc listing and the comparison (an exec'd program runs freely) is
  left out of every file.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
from collections.abc import Iterable
from dataclasses import dataclass, field

KCMP_FILE = 0
_SYS_KCMP = {"x86_64": 312, "aarch64": 272}.get(platform.machine(), 312)
_libc = ctypes.CDLL(None, use_errno=True)
_REFUSED = (errno.EPERM, errno.EACCES, errno.ENOSYS)


class Refused(Exception):
    """The kernel will not compare these processes' files for us (no ptrace access)."""


def same_file(pid1: int, fd1: int, pid2: int, fd2: int) -> bool:
    """True when pid1's fd1 and pid2's fd2 point to one open file; OSError when one is gone,
    Refused when the caller may not look."""
    ret = int(_libc.syscall(_SYS_KCMP, pid1, pid2, KCMP_FILE, fd1, fd2))
    if ret < 0:
        err = ctypes.get_errno()
        if err in _REFUSED:
            raise Refused(os.strerror(err))
        raise OSError(err, os.strerror(err))
    return bool(ret == 0)


Ref = tuple[int, int]  # (pid, fd)


@dataclass
class Found:
    """One open file: its references, in the order they were given."""

    key: tuple[str, int]  # (target, status flags): only fds alike in both may share a file
    refs: list[Ref] = field(default_factory=list)


def group(fds: Iterable[tuple[Ref, str, int]]) -> tuple[list[Found], int]:
    """Sort fds `((pid, fd), target, flags)` into open files, and count the kcmp calls made.

    Raises Refused when the kernel refuses to compare (nothing may be guessed then)."""
    files: list[Found] = []
    by_key: dict[tuple[str, int], list[Found]] = {}
    counter = [0]
    for ref, target, flags in fds:
        key = (target, flags)
        alike = by_key.setdefault(key, [])
        home = next((f for f in alike if _holds(f, ref, counter)), None)
        if home is None:
            if alike and not alive(ref, counter):
                continue  # closed since it was listed: in no file
            home = Found(key)
            files.append(home)
            alike.append(home)
        home.refs.append(ref)
    return files, counter[0]


def _holds(found: Found, ref: Ref, counter: list[int]) -> bool:
    """Whether ref points to found's file, asked through the first member still open."""
    for member in found.refs:
        counter[0] += 1
        try:
            return same_file(member[0], member[1], ref[0], ref[1])
        except OSError:
            continue  # that member closed since it was listed (or ref did: it then fits none)
    return False


def alive(ref: Ref, counter: list[int]) -> bool:
    """Whether the fd is still open: compared with itself, it answers."""
    counter[0] += 1
    try:
        return same_file(ref[0], ref[1], ref[0], ref[1])
    except OSError:
        return False

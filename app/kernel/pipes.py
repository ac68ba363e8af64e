"""Bytes queued in a pipe and its capacity, asked of the kernel through another process's fd.

The runner may not hold pipe ends of its own: an extra open end would keep EOF and SIGPIPE
from ever happening. pidfd_getfd(2) borrows the target's own open file for a moment instead;
the pipe's reader and writer counts do not change, and the borrowed fd is closed at once.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import struct
import termios

F_SETPIPE_SZ = 1031
F_GETPIPE_SZ = 1032
_SYS_PIDFD_GETFD = 438  # the same number on x86_64 and arm64
_libc = ctypes.CDLL(None, use_errno=True)


def fionread(fd: int) -> int:
    raw = fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4)
    return int(struct.unpack("i", raw)[0])


def capacity(fd: int) -> int:
    return fcntl.fcntl(fd, F_GETPIPE_SZ)


def pidfd_getfd(pidfd: int, target_fd: int) -> int:
    fd = _libc.syscall(_SYS_PIDFD_GETFD, pidfd, target_fd, 0)
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return int(fd)


def measure(pidfd: int, target_fd: int) -> tuple[int, int] | None:
    """(bytes queued, capacity) of the pipe behind target_fd in the pidfd's process."""
    try:
        fd = pidfd_getfd(pidfd, target_fd)
    except OSError:
        return None
    try:
        return fionread(fd), capacity(fd)
    except OSError:
        return None
    finally:
        os.close(fd)

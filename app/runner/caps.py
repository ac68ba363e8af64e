"""Capabilities of the runner itself: which it has, and giving one up.

In a container the runner is root without CAP_SYS_PTRACE (Docker's and podman's default),
and then reading another uid's /proc/PID/fd needs the reader's fsuid to be that uid
and fsgid to be that uid's and gid's (`PTRACE_MODE_READ_FSCREDS`, man 2 ptrace): `watch_as`
sets them. Tests give up
CAP_SYS_PTRACE on a host to be that container.
"""

from __future__ import annotations

import ctypes

CAP_SYS_PTRACE = 19
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
SYS_CAPGET, SYS_CAPSET = 125, 126  # x86-64
PR_CAPBSET_DROP = 24
_libc = ctypes.CDLL(None, use_errno=True)


class _Header(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _Data(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


def has(cap: int) -> bool:
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith("CapEff:"))
    return bool(int(line.split()[1], 16) >> cap & 1)


def drop(cap: int) -> None:
    """Give up `cap` for good: from the effective and permitted sets (caps below 32)."""
    header = _Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    if _libc.syscall(SYS_CAPGET, ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    mask = ~(1 << cap) & 0xFFFFFFFF
    data[0].effective &= mask
    data[0].permitted &= mask
    data[0].inheritable &= mask
    if _libc.syscall(SYS_CAPSET, ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # nor regained by a root exec


def watch_as(uid: int) -> None:
    """Read /proc as `uid` from now on, where CAP_SYS_PTRACE is missing (a container)."""
    if not has(CAP_SYS_PTRACE):
        _libc.setfsgid(uid)  # the kernel compares both: a run's gid is its uid
        _libc.setfsuid(uid)


def drop_all() -> None:
    """No capability left, in any set (a process in a user namespace of its own has them
    all there until it execs)."""
    header = _Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    if _libc.syscall(SYS_CAPSET, ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")

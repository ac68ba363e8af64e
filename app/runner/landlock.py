"""Landlock: the kernel's own unprivileged sandbox, through its three system calls.

What it does for a run (man 7 landlock): once restricted, a process and everything it forks
or execs may open files only beneath the paths given, with the access given; may not make TCP
connections or bind ports (ABI 4); may not signal a process outside its domain nor connect
to an abstract Unix socket made outside it (ABI 6). It needs no privilege, only
no_new_privs, so it holds where namespaces cannot be had (a container's default seccomp
profile refuses them). Files already open before the restriction (the terminal, the
channel) keep their access. Costs about 30 µs, once per run.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # the same on every arch
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH, RULE_NET_PORT = 1, 2

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
# Each ABI handles more rights; a right we do not handle is not restricted at all.
FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # truncate, ioctl_dev
READ_ONLY = EXECUTE | READ_FILE | READ_DIR
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

_libc = ctypes.CDLL(None, use_errno=True)


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def abi() -> int:
    """The Landlock ABI this kernel offers; 0 when it has none (or it is disabled)."""
    version = _libc.syscall(SYS_CREATE_RULESET, None, 0, CREATE_RULESET_VERSION)
    return max(0, int(version))


def handled_fs(version: int) -> int:
    return FS_BY_ABI[max(k for k in FS_BY_ABI if k <= version)]


def restrict(read_only: Iterable[str], read_write: Iterable[str], version: int) -> None:
    """Restrict this process, and all it will start, to the paths given. Paths that do not
    exist are left out (a path nobody can reach needs no rule)."""
    fs = handled_fs(version)
    attr = _RulesetAttr(fs, NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0, 0)
    if version >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
    size = 8 if version < 4 else 16 if version < 6 else 24
    ruleset = _check(_libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), size, 0), "create")
    try:
        for path, access in [*((p, READ_ONLY) for p in read_only), *((p, fs) for p in read_write)]:
            _allow(ruleset, path, access & fs)
        _check(_libc.syscall(SYS_RESTRICT_SELF, ruleset, 0), "restrict_self")
    finally:
        os.close(ruleset)


def _allow(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not os.path.isdir(path):
            access &= FILE_RIGHTS  # a file takes only the rights a file can have
        rule = _PathBeneath(access, fd)
        _check(_libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0), path)
    finally:
        os.close(fd)


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock {what}: {os.strerror(err)}")
    return result

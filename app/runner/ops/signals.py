"""Signals, with C's semantics rather than Python's (kill, sigaction, masks, waits).

Every call goes through libc (ctypes): it releases the GIL and never retries, so a call a
handler interrupts returns -1 EINTR exactly as in C, and Python's own signal machinery never
sees a thing. Handlers are the C handler of app/runner/csrc/handler.c, which reports each
run on the handler channel (HANDLER_FD) before the interrupted call returns.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
from typing import Any

from app.kernel import signals
from app.runner import signal_helper
from app.runner.ops.base import OpsBase, Result

_libc = ctypes.CDLL(None, use_errno=True)
SIG_HOW = {"SIG_BLOCK": 0, "SIG_UNBLOCK": 1, "SIG_SETMASK": 2}
SA_FLAG_BITS = {
    "SA_NOCLDSTOP": 1,
    "SA_NOCLDWAIT": 2,
    "SA_RESTART": 0x10000000,
    "SA_NODEFER": 0x40000000,
    "SA_RESETHAND": 0x80000000,
}


class SigSet(ctypes.Structure):
    _fields_ = (("bits", ctypes.c_ulong * 16),)  # glibc's sigset_t: 1024 bits


class SigInfo(ctypes.Structure):
    _fields_ = (("signo", ctypes.c_int), ("errno", ctypes.c_int), ("code", ctypes.c_int),
                ("pad", ctypes.c_int), ("pid", ctypes.c_int), ("uid", ctypes.c_uint),
                ("rest", ctypes.c_byte * 104))  # fmt: skip


def sigset(names: list[str]) -> SigSet:
    out = SigSet()
    out.bits[0] = signals.mask_of(names)
    return out


def check(ret: int) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret


class SignalOps(OpsBase):
    children: dict[str, int]
    parent: int | None  # the run's process that forked this one (None: the first process)

    def target(self, to: str) -> int:
        """A pid of the run, never anyone else's: a child, the parent while it lives, self.
        Anything else is ESRCH, as kill(2) says of a pid with no process."""
        if to == "self":
            return os.getpid()
        if to == "parent":
            return self.parent if self.parent is not None and os.getppid() == self.parent else -1
        return self.children.get(to, -1)

    def op_kill(self, step: dict[str, Any], line: int | None) -> None:
        pid, signo = self.target(step["to"]), signals.number(step["signal"]) or 0

        def kill() -> Result:
            if pid <= 0:  # never kill(-1) or a process group: only a pid of the run
                raise OSError(3, "no such process")  # ESRCH
            return check(_libc.kill(pid, signo)), {}

        for _ in range(step.get("repeat", 1)):
            self.call("kill", {"pid": pid, "sig": step["signal"]}, line, kill)

    def op_raise(self, step: dict[str, Any], line: int | None) -> None:
        pid, signo = os.getpid(), signals.number(step["signal"]) or 0
        args = {"pid": pid, "sig": step["signal"]}
        self.call("kill", args, line, lambda: (check(_libc.kill(pid, signo)), {}))

    def op_sigaction(self, step: dict[str, Any], line: int | None) -> None:
        signo = signals.number(step["signal"]) or 0
        kind = signal_helper.KINDS[step["handler"]]
        flags = sum(SA_FLAG_BITS[f] for f in step.get("flags", []))
        mask = signals.mask_of(step.get("mask", []))
        args = {
            "sig": step["signal"],
            "handler": step["handler"],
            "flags": step.get("flags", []),
            "mask": step.get("mask", []),
        }

        def sigaction() -> Result:
            lib = signal_helper.lib
            if lib is None:
                raise OSError(38, signal_helper.why_not)  # ENOSYS
            extra = {"pass_fds": [new]} if kind == 2 and (new := handler_channel()) else {}
            # SA_RESTART etc. are C ints with the top bit set: pass them as the int C sees.
            return check(
                lib.pipescope_sigaction(signo, kind, ctypes.c_int(flags).value, mask)
            ), extra

        self.call("rt_sigaction", args, line, sigaction)

    def op_sigprocmask(self, step: dict[str, Any], line: int | None) -> None:
        how, names = SIG_HOW[step["how"]], step.get("signals", [])
        wanted, old = sigset(names), SigSet()

        def sigprocmask() -> Result:
            check(_libc.sigprocmask(how, ctypes.byref(wanted), ctypes.byref(old)))
            return 0, {"args": {"old": signals.names(old.bits[0])}}

        self.call("rt_sigprocmask", {"how": step["how"], "set": names}, line, sigprocmask)

    def op_pause(self, step: dict[str, Any], line: int | None) -> None:
        self.call("pause", {}, line, lambda: (check(_libc.pause()), {}))

    def op_sigsuspend(self, step: dict[str, Any], line: int | None) -> None:
        mask = sigset(step.get("mask", []))
        args = {"mask": step.get("mask", [])}
        self.call(
            "rt_sigsuspend", args, line, lambda: (check(_libc.sigsuspend(ctypes.byref(mask))), {})
        )

    def op_sigwaitinfo(self, step: dict[str, Any], line: int | None) -> None:
        wanted, info = sigset(step["signals"]), SigInfo()

        def sigwaitinfo() -> Result:
            signo = check(_libc.sigwaitinfo(ctypes.byref(wanted), ctypes.byref(info)))
            return signo, {"args": {"got": signals.name(signo), "from": info.pid}}

        self.call("rt_sigtimedwait", {"set": step["signals"]}, line, sigwaitinfo)


def handler_channel() -> int | None:
    """The handler channel, made the first time this process (or its parent, before the
    fork: it is inherited, and each report names its pid) installs a handler: our end goes
    to HANDLER_FD, the other is handed to the supervisor with the call's return."""
    try:
        fcntl.fcntl(signal_helper.HANDLER_FD, fcntl.F_GETFD)
        return None  # already there
    except OSError:
        pass
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
    fd = fcntl.fcntl(ours.fileno(), fcntl.F_DUPFD_CLOEXEC, signal_helper.HANDLER_FD)
    ours.close()
    if fd != signal_helper.HANDLER_FD:
        os.close(fd)
        theirs.close()
        raise OSError(24, "the handler channel's fd is taken")  # EMFILE
    return theirs.detach()

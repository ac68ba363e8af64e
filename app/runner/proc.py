"""Inside one scenario process: do each step as a real system call, reporting each one.

Before every call the process says what it is about to do and waits to be let go; this is how
the supervisor serialises the run (one call at a time, like one CPU) and how step mode stops
each process before each operation. After the call it reports the result. A call that blocks
in the kernel simply does not report until the kernel lets it return.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import signal
import socket
import time
from collections.abc import Callable
from typing import Any, NoReturn

from app.kernel.pipes import F_SETPIPE_SZ
from app.runner import channel
from app.runner.escape import escape, runs
from app.runner.ops.base import Result
from app.runner.ops.fifo import FifoOps
from app.runner.ops.shm import SharedMemoryOps
from app.runner.ops.signals import SignalOps
from app.runner.ops.sockets import SocketOps

PR_SET_NAME = 15
WNOHANG = 1
MAX_REAPS = 64  # a reaping loop's bound: more than the processes a run may have
_libc = ctypes.CDLL(None, use_errno=True)
_libc.read.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t)
_libc.read.restype = ctypes.c_ssize_t
_libc.write.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t)
_libc.write.restype = ctypes.c_ssize_t


class Denied(Exception):
    def __init__(self, errno_name: str) -> None:
        self.errno_name = errno_name


class ScenarioProcess(FifoOps, SignalOps, SharedMemoryOps, SocketOps):
    """One process of the run: the loop, and pipes' operations (other kinds: app/runner/ops/)."""

    def __init__(
        self, program: dict[str, list[dict[str, Any]]], role: str, names: dict[str, int]
    ) -> None:
        self.program = program
        self.role = role
        self.names = dict(names)  # "fd[0]" -> 3, inherited through fork as C's int fd[2] is
        self.children: dict[str, int] = {}
        self.parent: int | None = None  # the run's process that forked this one
        self.last_read = b""
        self.chan = socket.socket(fileno=channel.CHANNEL_FD)

    # -- the loop --------------------------------------------------------------------------
    def run(self) -> NoReturn:
        for step in self.program[self.role]:
            self.do(step)
        self.exit(0, None)

    def do(self, step: dict[str, Any]) -> None:
        op = step["op"]
        line = step.get("line")
        handler: Callable[[dict[str, Any], int | None], None] = getattr(self, f"op_{op}")
        handler(step, line)

    def call(
        self,
        call: str,
        args: dict[str, Any],
        line: int | None,
        fn: Callable[[], Result],
        **told: Any,
    ) -> int:
        """Ask to make the call, make it when let go, report its return. `told`: what the
        supervisor should know of the call beyond its arguments (a write's bytes)."""
        channel.send(self.chan, {"k": "ready", "call": call, "args": args, "line": line, **told})
        reply, _ = channel.recv(self.chan)
        if reply is None:
            os._exit(111)  # the supervisor is gone: nothing may run unobserved
        start = time.monotonic()
        extra: dict[str, Any] = {}
        err: str | None = None
        try:
            if reply.get("k") == "deny":
                raise Denied(reply["errno"])
            ret, extra = fn()
        except Denied as denied:
            ret, err = -1, denied.errno_name
        except OSError as e:
            ret, err = -1, errno.errorcode.get(e.errno or 0, str(e.errno))
        msg = {"k": "ret", "ret": ret, "errno": err, "dur": time.monotonic() - start, **extra}
        fds = tuple(msg.pop("pass_fds", ()))
        channel.send(self.chan, msg, fds)
        for fd in fds:
            os.close(fd)
        return ret

    def fd(self, ref: int | str) -> int:
        return ref if isinstance(ref, int) else self.names.get(ref, -1)

    # -- operations --------------------------------------------------------------------------
    def op_pipe(self, step: dict[str, Any], line: int | None) -> None:
        def pipe() -> Result:
            r, w = os.pipe2(0)  # C's pipe(): not close-on-exec, unlike os.pipe()
            self.names[f"{step['name']}[0]"], self.names[f"{step['name']}[1]"] = r, w
            return 0, {"args": {"fds": [r, w]}}

        self.call("pipe", {"flags": 0}, line, pipe)

    def op_fork(self, step: dict[str, Any], line: int | None) -> None:
        def fork() -> Result:
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            mine = fcntl.fcntl(a.fileno(), fcntl.F_DUPFD_CLOEXEC, channel.SPARE_FDS[0])
            theirs = fcntl.fcntl(b.fileno(), fcntl.F_DUPFD_CLOEXEC, channel.SPARE_FDS[1])
            a.close()  # the low-numbered originals would show in the fd table
            b.close()
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(mine)
                    self.chan.detach()
                    os.dup2(theirs, channel.CHANNEL_FD, inheritable=False)
                    os.close(theirs)
                    child = ScenarioProcess(self.program, step["child"], self.names)
                    child.parent = os.getppid()
                    set_name(step["child"])
                    child.run()
                finally:  # the child must never go on with its parent's steps
                    os._exit(127)
            os.close(theirs)
            self.children[step["child"]] = pid
            return pid, {"child_role": step["child"], "pass_fds": [mine]}

        self.call("fork", {}, line, fork)

    def op_close(self, step: dict[str, Any], line: int | None) -> None:
        fd = self.fd(step["fd"])
        self.call("close", {"fd": fd}, line, returns_zero(lambda: os.close(fd)))

    def op_read(self, step: dict[str, Any], line: int | None) -> None:
        fd, count = self.fd(step["fd"]), step["count"]

        def read() -> Result:
            data = libc_read(fd, count)
            self.last_read = data
            preview, cut = escape(data)
            return len(data), {"data": preview, "cut": cut, "runs": runs(data)}

        for _ in range(10_000 if step.get("until_eof") else step.get("repeat", 1)):
            got = self.call("read", {"fd": fd, "count": count}, line, read)
            if step.get("until_eof") and got <= 0:
                break

    def op_write(self, step: dict[str, Any], line: int | None) -> None:
        fd = self.fd(step["fd"])
        if step.get("data") is not None:
            payload = step["data"].encode()
        elif step.get("size") is not None:
            payload = step["fill"].encode() * step["size"]
        else:
            payload = self.last_read
        preview, cut = escape(payload)
        whole = runs(payload)  # so the ring can show every page's bytes, not only the first 64

        def write() -> Result:
            n = libc_write(fd, payload)
            shown, trimmed = escape(payload[:n])
            return n, {"data": shown, "cut": trimmed, "runs": runs(payload[:n])}

        for _ in range(step.get("repeat", 1)):
            args = {"fd": fd, "buf": preview, "count": len(payload)}
            args |= {"buf_truncated": True} if cut else {}
            ret = self.call("write", args, line, write, bytes=whole)
            if ret < 0 and step.get("until_error"):
                break

    def op_dup2(self, step: dict[str, Any], line: int | None) -> None:
        fd, to = self.fd(step["fd"]), step["to"]
        self.call("dup2", {"oldfd": fd, "newfd": to}, line, lambda: (os.dup2(fd, to), {}))

    def op_exec(self, step: dict[str, Any], line: int | None) -> None:
        argv = list(step["argv"])
        path = shutil.which(argv[0]) or f"/usr/bin/{argv[0]}"

        def execve() -> Result:
            # Wait while the supervisor hands this process over (to strace), so that what
            # the new program does is seen from its first instruction on.
            channel.send(self.chan, {"k": "exec"})
            if channel.recv(self.chan)[0] is None:
                os._exit(111)
            os.execv(path, argv)  # on success the channel closes (CLOEXEC): that is the answer

        self.call("execve", {"path": path, "argv": argv}, line, execve)

    def op_wait(self, step: dict[str, Any], line: int | None) -> None:
        role = step.get("child")
        pid = self.children.get(role, -1) if role else -1
        options = WNOHANG if step.get("nohang") else 0
        args = {"pid": pid} | ({"options": "WNOHANG"} if options else {})

        def wait4() -> Result:
            status = ctypes.c_int(0)
            got = _libc.wait4(pid, ctypes.byref(status), options, None)
            if got < 0:
                raise_errno()
            return got, {"status": status.value}

        for _ in range(MAX_REAPS if step.get("until_done") else 1):
            if self.call("wait4", args, line, wait4) <= 0:
                break

    def op_exit(self, step: dict[str, Any], line: int | None) -> None:
        self.exit(step.get("code", 0), line)

    def exit(self, code: int, line: int | None) -> NoReturn:
        self.call("exit_group", {"status": code}, line, lambda: os._exit(code))
        os._exit(code)

    def op_nonblock(self, step: dict[str, Any], line: int | None) -> None:
        fd, on = self.fd(step["fd"]), step.get("on", True)

        def setfl() -> Result:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            new = flags | os.O_NONBLOCK if on else flags & ~os.O_NONBLOCK
            return fcntl.fcntl(fd, fcntl.F_SETFL, new), {}

        args = {"fd": fd, "cmd": "F_SETFL", "flags": "O_NONBLOCK" if on else "0"}
        self.call("fcntl", args, line, setfl)

    def op_pipe_size(self, step: dict[str, Any], line: int | None) -> None:
        fd, size = self.fd(step["fd"]), step["size"]
        args = {"fd": fd, "cmd": "F_SETPIPE_SZ", "arg": size}
        self.call("fcntl", args, line, lambda: (fcntl.fcntl(fd, F_SETPIPE_SZ, size), {}))

    def op_sleep(self, step: dict[str, Any], line: int | None) -> None:
        ms = step["ms"]
        self.call("clock_nanosleep", {"ms": ms}, line, returns_zero(lambda: time.sleep(ms / 1000)))

    def op_yield(self, step: dict[str, Any], line: int | None) -> None:
        self.call("sched_yield", {}, line, returns_zero(os.sched_yield))

    def op_sigpipe(self, step: dict[str, Any], line: int | None) -> None:
        handler = signal.SIG_IGN if step["action"] == "ignore" else signal.SIG_DFL
        args = {"sig": "SIGPIPE", "handler": "SIG_IGN" if step["action"] == "ignore" else "SIG_DFL"}
        self.call(
            "rt_sigaction", args, line, returns_zero(lambda: signal.signal(signal.SIGPIPE, handler))
        )

    def op_setsid(self, step: dict[str, Any], line: int | None) -> None:
        def setsid() -> Result:
            os.setsid()
            return os.getsid(0), {}

        self.call("setsid", {}, line, setsid)


def raise_errno() -> NoReturn:
    err = ctypes.get_errno()
    raise OSError(err, os.strerror(err))


def libc_read(fd: int, count: int) -> bytes:
    """read(2) as C calls it: one try, -1 EINTR if a handler without SA_RESTART ran (os.read
    would retry, PEP 475), and no GIL held while it sleeps."""
    buf = ctypes.create_string_buffer(count)
    got = _libc.read(fd, buf, count)
    if got < 0:
        raise_errno()
    return buf.raw[:got]


def libc_write(fd: int, payload: bytes) -> int:
    got = _libc.write(fd, payload, len(payload))
    if got < 0:
        raise_errno()
    return int(got)


def returns_zero(fn: Callable[[], object]) -> Callable[[], Result]:
    """A call whose C form returns 0 on success (Python's returns None)."""

    def call() -> Result:
        fn()
        return 0, {}

    return call


def set_name(name: str) -> None:
    """What ps and /proc/PID/comm show for this process (prctl: the sandbox need not let it
    write to /proc)."""
    _libc.prctl(PR_SET_NAME, name[:15].encode(), 0, 0, 0)

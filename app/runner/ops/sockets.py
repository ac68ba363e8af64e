"""Unix domain sockets (socketpair, socket, bind, listen, accept, connect, send, recv,
sendmsg and recvmsg with SCM_RIGHTS, shutdown), each the real call.

The fds are made through libc, not Python's socket module: Python makes every socket
close-on-exec (SOCK_CLOEXEC), and C's socket(), socketpair() and accept() do not.
"""

from __future__ import annotations

import array
import ctypes
import os
import socket
from collections.abc import Callable
from typing import Any

from app.runner.escape import escape, runs
from app.runner.ops.base import OpsBase, Result

TYPES = {
    "stream": socket.SOCK_STREAM,
    "datagram": socket.SOCK_DGRAM,
    "seqpacket": socket.SOCK_SEQPACKET,
}
FLAGS = {
    "MSG_DONTWAIT": socket.MSG_DONTWAIT,
    "MSG_NOSIGNAL": socket.MSG_NOSIGNAL,
    "MSG_PEEK": socket.MSG_PEEK,
    "MSG_WAITALL": socket.MSG_WAITALL,
    "MSG_TRUNC": socket.MSG_TRUNC,
}
HOW = {"read": socket.SHUT_RD, "write": socket.SHUT_WR, "both": socket.SHUT_RDWR}
MAX_RIGHTS = 8
_libc = ctypes.CDLL(None, use_errno=True)


def checked(ret: int) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret


def borrowed(fd: int) -> socket.socket:
    """A Python socket over the process's own fd, for one call (detach it after)."""
    return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=fd)


def flags_of(names: list[str]) -> int:
    out = 0
    for name in names:
        out |= FLAGS[name]
    return out


def with_sock(fd: int, fn: Callable[[socket.socket], Result]) -> Callable[[], Result]:
    def call() -> Result:
        sock = borrowed(fd)
        try:
            return fn(sock)
        finally:
            sock.detach()

    return call


class SocketOps(OpsBase):
    def op_socketpair(self, step: dict[str, Any], line: int | None) -> None:
        kind = step.get("type", "stream")

        def socketpair() -> Result:
            sv = (ctypes.c_int * 2)()
            checked(_libc.socketpair(socket.AF_UNIX, TYPES[kind], 0, sv))
            self.names[f"{step['name']}[0]"], self.names[f"{step['name']}[1]"] = sv[0], sv[1]
            return 0, {"args": {"fds": [sv[0], sv[1]]}}

        args = {"domain": "AF_UNIX", "type": sock_type(kind)}
        self.call("socketpair", args, line, socketpair)

    def op_socket(self, step: dict[str, Any], line: int | None) -> None:
        kind = step.get("type", "stream")

        def make() -> Result:
            fd = checked(_libc.socket(socket.AF_UNIX, TYPES[kind], 0))
            self.names[step["name"]] = fd
            return fd, {}

        self.call("socket", {"domain": "AF_UNIX", "type": sock_type(kind)}, line, make)

    def op_bind(self, step: dict[str, Any], line: int | None) -> None:
        fd, path = self.fd(step["fd"]), step["path"]
        self.call(
            "bind", {"fd": fd, "path": path}, line, with_sock(fd, lambda s: at_path(s.bind, path))
        )

    def op_listen(self, step: dict[str, Any], line: int | None) -> None:
        fd, backlog = self.fd(step["fd"]), step.get("backlog", 5)
        args = {"fd": fd, "backlog": backlog}
        self.call("listen", args, line, lambda: (checked(_libc.listen(fd, backlog)), {}))

    def op_accept(self, step: dict[str, Any], line: int | None) -> None:
        fd = self.fd(step["fd"])

        def accept() -> Result:
            new = checked(_libc.accept(fd, None, None))
            self.names[step["name"]] = new
            return new, {}

        self.call("accept", {"fd": fd}, line, accept)

    def op_connect(self, step: dict[str, Any], line: int | None) -> None:
        fd, path = self.fd(step["fd"]), step["path"]
        self.call(
            "connect",
            {"fd": fd, "path": path},
            line,
            with_sock(fd, lambda s: at_path(s.connect, path)),
        )

    def op_send(self, step: dict[str, Any], line: int | None) -> None:
        fd, flags = self.fd(step["fd"]), step.get("flags", [])
        data = step.get("data")
        payload = data.encode() if data is not None else step["fill"].encode() * step["size"]
        preview, cut = escape(payload)

        def send(sock: socket.socket) -> Result:
            n = sock.send(payload, flags_of(flags))
            shown, trimmed = escape(payload[:n])
            return n, {"data": shown, "cut": trimmed, "runs": runs(payload[:n])}

        args = {"fd": fd, "buf": preview, "count": len(payload), "flags": flags}
        args |= {"buf_truncated": True} if cut else {}
        for _ in range(step.get("repeat", 1)):
            if self.call("send", args, line, with_sock(fd, send)) < 0 and step.get("until_error"):
                break

    def op_recv(self, step: dict[str, Any], line: int | None) -> None:
        fd, count, flags = self.fd(step["fd"]), step.get("count", 1024), step.get("flags", [])

        def recv(sock: socket.socket) -> Result:
            got = sock.recv(count, flags_of(flags))
            preview, cut = escape(got)
            # With MSG_TRUNC a datagram's whole length comes back, more than the buffer held.
            n = len(got)
            return n, {"data": preview, "cut": cut, "runs": runs(got)}

        until_eof, until_error = step.get("until_eof"), step.get("until_error")
        for _ in range(10_000 if until_eof else step.get("repeat", 1)):
            args = {"fd": fd, "count": count, "flags": flags}
            got = self.call("recv", args, line, with_sock(fd, recv))
            if (until_eof and got <= 0) or (until_error and got < 0):
                break

    def op_sendmsg(self, step: dict[str, Any], line: int | None) -> None:
        fd, payload = self.fd(step["fd"]), step.get("data", "x").encode()
        rights = [self.fd(r) for r in step.get("rights", [])]
        targets = [fd_target(r) for r in rights]
        preview, _ = escape(payload)

        def sendmsg(sock: socket.socket) -> Result:
            extra = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", rights))]
            n = sock.sendmsg([payload], extra if rights else [])
            return n, {"data": preview, "runs": runs(payload)}

        args = {"fd": fd, "buf": preview, "count": len(payload), "rights": rights}
        args |= {"rights_targets": targets}
        self.call("sendmsg", args, line, with_sock(fd, sendmsg))

    def op_recvmsg(self, step: dict[str, Any], line: int | None) -> None:
        fd, count = self.fd(step["fd"]), step.get("count", 1024)

        def recvmsg(sock: socket.socket) -> Result:
            got, ancillary, _, _ = sock.recvmsg(count, socket.CMSG_SPACE(4 * MAX_RIGHTS))
            received: list[int] = []
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds = array.array("i")
                    fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
                    received.extend(fds)
            if received and step.get("name"):
                self.names[step["name"]] = received[0]
            preview, cut = escape(got)
            more = {"received": received, "received_targets": [fd_target(r) for r in received]}
            return len(got), {"data": preview, "cut": cut, "runs": runs(got), "args": more}

        self.call("recvmsg", {"fd": fd, "count": count}, line, with_sock(fd, recvmsg))

    def op_shutdown(self, step: dict[str, Any], line: int | None) -> None:
        fd, how = self.fd(step["fd"]), step.get("how", "write")
        args = {"fd": fd, "how": f"SHUT_{ {'read': 'RD', 'write': 'WR', 'both': 'RDWR'}[how] }"}
        self.call("shutdown", args, line, lambda: (checked(_libc.shutdown(fd, HOW[how])), {}))


def sock_type(kind: str) -> str:
    return {"stream": "SOCK_STREAM", "datagram": "SOCK_DGRAM", "seqpacket": "SOCK_SEQPACKET"}[kind]


def at_path(call: Callable[[str], None], path: str) -> Result:
    """bind or connect: 0 on success, as in C."""
    call(path)
    return 0, {}


def fd_target(fd: int) -> str | None:
    """What the fd points to (`pipe:[INODE]`), read before it leaves in flight."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None

"""The kernel's own view of Unix sockets, asked through sock_diag netlink (man 7 sock_diag).

/proc shows a socket as `socket:[INODE]` and /proc/net/unix has no peer column: only
sock_diag's `UNIX_DIAG` says which socket is the other end of which (`UDIAG_SHOW_PEER`), how
many bytes wait to be received (`UDIAG_SHOW_RQLEN`) and, for a listener, the connections its
backlog holds (`UDIAG_SHOW_ICONS`). A small reader with struct: no dependency.

sock_diag answers for the network namespace its netlink socket was made in, and a run lives
in a namespace of its own: `open_in(pid)` makes the netlink socket inside pid's (a short
child that joins it, entering its user namespace first when the run has one, and hands the
socket back). Where that is refused, it returns None and peers are unknown.
"""

from __future__ import annotations

import array
import ctypes
import os
import socket
import struct
from dataclasses import dataclass, field

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
UDIAG_SHOW_NAME, UDIAG_SHOW_PEER, UDIAG_SHOW_ICONS, UDIAG_SHOW_RQLEN = 0x1, 0x4, 0x8, 0x10
UDIAG_SHOW_SHUTDOWN = 0x0  # the shutdown attribute comes unasked on every kernel since 3.10
UNIX_DIAG_NAME, UNIX_DIAG_PEER, UNIX_DIAG_ICONS, UNIX_DIAG_RQLEN = 0, 2, 3, 4
UNIX_DIAG_SHUTDOWN = 6
NO_COOKIE = 0xFFFFFFFF
ALL_STATES = 0xFFFFFFFF
SHOW = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN
TCP_ESTABLISHED, TCP_CLOSE, TCP_LISTEN = 1, 7, 10
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000

_HEADER = struct.Struct("=IHHII")  # nlmsghdr
_REQUEST = struct.Struct("=BBHIIIII")  # unix_diag_req
_MESSAGE = struct.Struct("=BBBBIII")  # unix_diag_msg
_ATTR = struct.Struct("=HH")  # rtattr
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class Diag:
    """One socket as UNIX_DIAG tells it."""

    ino: int
    type: int  # SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET
    state: int  # TCP_ESTABLISHED, TCP_CLOSE or TCP_LISTEN
    peer: int | None = None  # the peer's inode
    path: str | None = None  # bound name: a path, or "@name" for an abstract one
    rqueue: int | None = None  # bytes to receive (a datagram's: the first); listener: backlog
    wqueue: int | None = None  # bytes charged to the sender; listener: max backlog
    pending: list[int] = field(default_factory=list)  # a listener's connections not accepted
    shutdown: int = 0  # SHUT_RD 1 | SHUT_WR 2, as this end sees it


def open_in(pid: int) -> socket.socket | None:
    """A sock_diag socket in pid's network namespace, or None when it may not be had."""
    try:
        if _same_ns(pid, "net"):
            return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
        return _open_joined(pid)
    except OSError:
        return None


def _same_ns(pid: int, kind: str) -> bool:
    return os.stat(f"/proc/self/ns/{kind}").st_ino == os.stat(f"/proc/{pid}/ns/{kind}").st_ino


def _open_joined(pid: int) -> socket.socket | None:
    """Join pid's namespaces in a child (a thread may not enter a user namespace) and take
    back the socket it makes there: a socket stays in the namespace it was made in."""
    fds = [os.open(f"/proc/{pid}/ns/{k}", os.O_RDONLY | os.O_CLOEXEC) for k in ("user", "net")]
    same_user = _same_ns(pid, "user")
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    child = os.fork()
    if child == 0:
        code = 1
        try:
            if (same_user or _libc.setns(fds[0], CLONE_NEWUSER) == 0) and _libc.setns(
                fds[1], CLONE_NEWNET
            ) == 0:
                diag = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
                theirs.sendmsg([b"s"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, _ints(diag))])
                code = 0
        finally:
            os._exit(code)
    try:
        theirs.close()
        os.waitpid(child, 0)
        ours.setblocking(False)
        try:
            _, fds_got, _, _ = socket.recv_fds(ours, 1, 1)
        except BlockingIOError:
            return None
        return socket.socket(fileno=fds_got[0]) if fds_got else None
    finally:
        ours.close()
        for fd in fds:
            os.close(fd)


def _ints(sock: socket.socket) -> array.array[int]:
    return array.array("i", [sock.fileno()])


EXACT_UP_TO = 2  # beyond, one dump of the namespace: each exact lookup walks every socket


def query(diag: socket.socket, inodes: list[int]) -> dict[int, Diag]:
    """Each socket of `inodes` the kernel still has. A few by an exact lookup each, all sent
    in one datagram (netlink handles each message in turn) and read back until every one
    answered; more in one dump of the namespace (a run's holds only its own sockets), since
    the kernel finds a socket by inode by walking its whole table."""
    if not inodes:
        return {}
    if len(inodes) > EXACT_UP_TO:
        return dumped(diag, set(inodes))
    out: dict[int, Diag] = {}
    batch = b"".join(_request(seq, ino) for seq, ino in enumerate(inodes, 1))
    diag.send(batch)
    answered = 0
    while answered < len(inodes):
        data = diag.recv(65536)
        for kind, body in _messages(data):
            answered += 1
            if kind == SOCK_DIAG_BY_FAMILY:
                found = _parse(body)
                out[found.ino] = found
            # NLMSG_ERROR: that socket is gone (ENOENT): leave it out
    return out


def dumped(diag: socket.socket, wanted: set[int]) -> dict[int, Diag]:
    diag.send(_request(0, 0, NLM_F_REQUEST | NLM_F_DUMP))
    out: dict[int, Diag] = {}
    while True:
        data = diag.recv(1 << 16)
        for kind, body in _messages(data, keep_done=True):
            if kind in (NLMSG_DONE, NLMSG_ERROR):
                return out
            if kind == SOCK_DIAG_BY_FAMILY and _MESSAGE.unpack_from(body)[4] in wanted:
                found = _parse(body)
                out[found.ino] = found


def _request(seq: int, ino: int, flags: int = NLM_F_REQUEST) -> bytes:
    body = _REQUEST.pack(socket.AF_UNIX, 0, 0, ALL_STATES, ino, SHOW, NO_COOKIE, NO_COOKIE)
    return _HEADER.pack(_HEADER.size + len(body), SOCK_DIAG_BY_FAMILY, flags, seq, 0) + body


def _messages(data: bytes, keep_done: bool = False) -> list[tuple[int, bytes]]:
    out = []
    at = 0
    while at + _HEADER.size <= len(data):
        length, kind, _, _, _ = _HEADER.unpack_from(data, at)
        if length < _HEADER.size:
            break
        if kind != NLMSG_DONE or keep_done:
            out.append((kind, data[at + _HEADER.size : at + length]))
        at += (length + 3) & ~3
    return out


def _parse(body: bytes) -> Diag:
    _, type_, state, _, ino, _, _ = _MESSAGE.unpack_from(body)
    found = Diag(ino=ino, type=type_, state=state)
    at = _MESSAGE.size
    while at + _ATTR.size <= len(body):
        length, kind = _ATTR.unpack_from(body, at)
        if length < _ATTR.size:
            break
        value = body[at + _ATTR.size : at + length]
        if kind == UNIX_DIAG_PEER:
            found.peer = struct.unpack("=I", value[:4])[0] or None
        elif kind == UNIX_DIAG_NAME:
            found.path = _name(value)
        elif kind == UNIX_DIAG_RQLEN:
            found.rqueue, found.wqueue = struct.unpack("=II", value[:8])
        elif kind == UNIX_DIAG_ICONS:
            found.pending = list(
                struct.unpack(f"={len(value) // 4}I", value[: len(value) // 4 * 4])
            )
        elif kind == UNIX_DIAG_SHUTDOWN:
            found.shutdown = value[0] if value else 0
        at += (length + 3) & ~3
    return found


def _name(raw: bytes) -> str:
    if raw[:1] == b"\0":
        return "@" + raw[1:].decode("utf-8", "replace")
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")

"""The run's Unix domain sockets as the kernel holds them: `state.sockets`, one row a socket.

- **What it reads.** Each socket fd of the run's processes (`socket:[INODE]` in /proc/PID/fd:
  fds from 1000 up, the runner's own channels, are never listed) is looked up in sock_diag
  (sock_diag.py): type, state, bound path, its peer, bytes queued to be received, a
  listener's backlog. A datagram or seqpacket socket with bytes queued is borrowed for a
  moment (pidfd_getfd) and peeked with `MSG_PEEK` and `SO_PEEK_OFF`, one message at a time,
  to give each message's size: the peek offset is put back to -1 (off) at once, and nothing
  is taken. The fds passed with SCM_RIGHTS and not yet received are in no fd table: the
  receiving socket's fdinfo counts them (`scm_fds:`), and the sendmsg calls said which
  files they were (`passed`).
- **What it cannot see.** Where the run's network namespace cannot be joined, or no sock_diag
  socket made, peers, states and bytes are null; where fds may not be borrowed (a container
  without CAP_SYS_PTRACE), a datagram socket's messages are null.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable
from typing import Any

from app.kernel import pipes, procfs, sock_diag

SO_PEEK_OFF = 42
MAX_PEEKS = 256  # messages counted in one queue at most; beyond, the sizes stop (truncated)
TYPES: dict[int, str] = {
    socket.SOCK_STREAM: "stream",
    socket.SOCK_DGRAM: "datagram",
    socket.SOCK_SEQPACKET: "seqpacket",
}
Holder = tuple[int, int | None, list[dict[str, Any]]]  # (pid, pidfd, fd rows)


def inode(target: str) -> int | None:
    if not target.startswith("socket:["):
        return None
    try:
        return int(target[8:-1])
    except ValueError:
        return None


class Sockets:
    """One run's sockets: the sock_diag socket made in its namespace, and the files its
    sendmsg calls passed that the kernel still holds in flight."""

    def __init__(self) -> None:
        self.diag: socket.socket | None = None
        self.tried = False
        self.passed: dict[str, list[str | None]] = {}  # receiving socket -> targets, oldest first
        self.last: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        if self.diag is not None:
            self.diag.close()
            self.diag = None

    def netlink(self, pid: int) -> socket.socket | None:
        if not self.tried:
            self.tried = True  # one try a run: joining forks a child
            self.diag = sock_diag.open_in(pid)
        return self.diag

    def peer_of(self, sid: str) -> str | None:
        peer = (self.last.get(sid) or {}).get("peer")
        return str(peer) if peer else None

    def rows(
        self, procs: Iterable[Holder], ahead: dict[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """`ahead`: bytes woken calls already moved in a queue whose events come after the one
        being sent (the supervisor's ordering rule): taken back out of this state."""
        holders: dict[int, list[tuple[int, int | None, int]]] = {}
        for pid, pidfd, fds in procs:
            for row in fds:
                ino = inode(row["target"]) if row["kind"] == "socket" else None
                if ino is not None:
                    holders.setdefault(ino, []).append((pid, pidfd, row["fd"]))
        if not holders:
            self.last = {}
            return []
        first = next(iter(holders.values()))[0][0]
        diag = self.netlink(first)
        found: dict[int, sock_diag.Diag] = {}
        if diag is not None:
            try:
                found = sock_diag.query(diag, sorted(holders))
            except OSError:
                found = {}
        out = [self.row(ino, found.get(ino), holders[ino]) for ino in sorted(holders)]
        for row in out:
            not_yet(row, (ahead or {}).get(row["id"], 0))
        self.last = {row["id"]: row for row in out}
        return out

    def row(
        self, ino: int, diag: sock_diag.Diag | None, held: list[tuple[int, int | None, int]]
    ) -> dict[str, Any]:
        sid = f"socket:[{ino}]"
        kind = TYPES.get(diag.type) if diag else None
        messages: list[int] | None = None
        queued: int | None = None
        if diag is not None and diag.state != sock_diag.TCP_LISTEN:
            queued = diag.rqueue
            if kind in ("datagram", "seqpacket"):
                # seqpacket's count is every byte queued; a datagram socket's, the first's.
                total = diag.rqueue if kind == "seqpacket" else None
                messages = [] if diag.rqueue == 0 else peek_sizes(held, total)
                queued = sum(messages) if messages is not None else None
        flight = in_flight(held)
        targets = self.passed.get(sid, [])
        if flight is not None:
            targets = self.passed[sid] = targets[max(0, len(targets) - flight) :]
            unknown: list[str | None] = [None] * (flight - len(targets))
            targets = unknown + targets
        return {
            "id": sid,
            "type": kind,
            "state": state_of(diag),
            "path": diag.path if diag else None,
            "peer": f"socket:[{diag.peer}]" if diag and diag.peer else None,
            "bytes": queued,
            "messages": messages,
            "backlog": [f"socket:[{i}]" if i else None for i in diag.pending]
            if diag and diag.state == sock_diag.TCP_LISTEN
            else None,
            "max_backlog": diag.wqueue if diag and diag.state == sock_diag.TCP_LISTEN else None,
            "shutdown": shutdown_of(diag),
            "in_flight": [{"target": t} for t in targets] if flight is not None else None,
        }

    def apply_call(
        self, socket_of: Callable[[int], str | None], call: str, args: dict[str, Any], ret: int
    ) -> None:
        """Follow the files a call passed (SCM_RIGHTS) or received, by what it reported."""
        if ret < 0 or "fd" not in args:
            return
        if call == "sendmsg" and args.get("rights"):
            self.sent(socket_of(args["fd"]), list(args.get("rights_targets") or []))
        elif call == "recvmsg" and args.get("received"):
            self.received(socket_of(args["fd"]), len(args["received"]))

    def sent(self, from_socket: str | None, targets: list[str | None]) -> None:
        """A sendmsg passed these files (SCM_RIGHTS): in flight to its peer until received."""
        peer = (self.last.get(from_socket or "") or {}).get("peer")
        if peer is not None:
            self.passed.setdefault(peer, []).extend(targets)

    def received(self, on_socket: str | None, count: int) -> None:
        queue = self.passed.get(on_socket or "", [])
        del queue[:count]


def not_yet(row: dict[str, Any], moved: int) -> None:
    """Take back what a woken call moved that the state being sent must not show yet: a
    send's bytes (its message last in a datagram queue), or a recv's (its message first)."""
    if not moved or row["bytes"] is None:
        return
    row["bytes"] -= moved
    messages = row["messages"]
    if messages is None:
        return
    if moved < 0:
        messages.insert(0, -moved)
    elif messages and messages[-1] == moved:
        messages.pop()


def state_of(diag: sock_diag.Diag | None) -> str | None:
    if diag is None:
        return None
    if diag.state == sock_diag.TCP_LISTEN:
        return "listening"
    if diag.state == sock_diag.TCP_ESTABLISHED:
        # The other end closed: the kernel drops the peer and shuts this end both ways. A
        # connection still in a listener's backlog has no peer either, but is not shut.
        # (A datagram socket's peer that closed is simply dropped.)
        gone = diag.shutdown == 3 or diag.type == socket.SOCK_DGRAM
        return "closed" if diag.peer is None and gone else "connected"
    return "unconnected"


def shutdown_of(diag: sock_diag.Diag | None) -> list[str]:
    if diag is None:
        return []
    return [name for bit, name in ((1, "read"), (2, "write")) if diag.shutdown & bit]


def in_flight(held: list[tuple[int, int | None, int]]) -> int | None:
    """Files passed to this socket not yet received: its fdinfo's `scm_fds:` (Linux 6.x)."""
    for pid, _, fd in held:
        info = procfs.read_text(f"/proc/{pid}/fdinfo/{fd}")
        if info is None:
            continue
        for line in info.splitlines():
            if line.startswith("scm_fds:"):
                return int(line.split()[1])
        return None  # an older kernel: no count
    return None


def peek_sizes(held: list[tuple[int, int | None, int]], total: int | None) -> list[int] | None:
    """The size of each message queued, oldest first, peeked through a borrowed fd. `total`:
    the bytes queued, where known, to stop at (a shut seqpacket socket peeks 0 at its end,
    as an empty message would)."""
    for _, pidfd, fd in held:
        if pidfd is None:
            continue
        try:
            borrowed = pipes.pidfd_getfd(pidfd, fd)
        except OSError:
            continue
        try:
            return peek_all(borrowed, total)
        except OSError:
            return None
        finally:
            os.close(borrowed)
    return None


def peek_all(fd: int, total: int | None = None) -> list[int]:
    sock = socket.socket(fileno=fd)
    try:
        before = sock.getsockopt(socket.SOL_SOCKET, SO_PEEK_OFF)
        sock.setsockopt(socket.SOL_SOCKET, SO_PEEK_OFF, 0)
        sizes: list[int] = []
        try:
            while len(sizes) < MAX_PEEKS and (total is None or sum(sizes) < total):
                flags = socket.MSG_PEEK | socket.MSG_DONTWAIT | socket.MSG_TRUNC
                try:
                    size = _peek_one(sock, flags)
                except BlockingIOError:
                    break
                sizes.append(size)
        finally:
            sock.setsockopt(socket.SOL_SOCKET, SO_PEEK_OFF, before)
        return sizes
    finally:
        sock.detach()


_PEEK_BUFFER = bytearray(1 << 18)  # more than a Unix datagram may hold (its send buffer)


def _peek_one(sock: socket.socket, flags: int) -> int:
    """One message's size. The peek offset moves by what was copied, so the buffer must hold
    the whole message for the next peek to start at the next one."""
    nbytes, _, _, _ = sock.recvmsg_into([_PEEK_BUFFER], 0, flags)
    return nbytes

"""Messages between a scenario process and its run's supervisor: one JSON object a packet.

Each process has its own SOCK_SEQPACKET socket at CHANNEL_FD: close-on-exec (so an exec'd
program loses it, which is how the supervisor learns the exec worked) and above every fd a
scenario may touch, so it never shows in the fd tables.
"""

from __future__ import annotations

import array
import json
import socket
import struct
from typing import Any

CHANNEL_FD = 1023
SPARE_FDS = (1021, 1022)  # where a fork's new socketpair waits until it is handed on
MAX_PACKET = 1 << 20


def send(sock: socket.socket, msg: dict[str, Any], fds: tuple[int, ...] = ()) -> None:
    data = json.dumps(msg, separators=(",", ":")).encode()
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


def recv(sock: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    """One message and any fds that came with it; (None, []) when the peer is gone."""
    fds = array.array("i")
    try:
        data, ancdata, _flags, _addr = sock.recvmsg(MAX_PACKET, socket.CMSG_SPACE(4 * fds.itemsize))
    except (ConnectionResetError, OSError):
        return None, []
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    if not data:
        return None, list(fds)
    return json.loads(data), list(fds)


# -- a run's request, on its own stream socket ------------------------------------------------
MAX_REQUEST = 16 << 20
_LENGTH = struct.Struct("!I")


def request_bytes(request: dict[str, Any]) -> bytes:
    """A run's request as the server sends it first on the run's stream: its length, then
    its JSON. A stream has no packet size, so a program of any size arrives whole."""
    data = json.dumps(request, separators=(",", ":")).encode()
    return _LENGTH.pack(len(data)) + data


def recv_request(sock: socket.socket) -> dict[str, Any] | None:
    head = _recv_exactly(sock, _LENGTH.size)
    if head is None:
        return None
    (size,) = _LENGTH.unpack(head)
    data = _recv_exactly(sock, size) if size <= MAX_REQUEST else None
    return json.loads(data) if data is not None else None


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    parts, got = [], 0
    while got < size:
        try:
            part = sock.recv(min(size - got, 1 << 20))
        except OSError:
            return None
        if not part:
            return None
        parts.append(part)
        got += len(part)
    return b"".join(parts)

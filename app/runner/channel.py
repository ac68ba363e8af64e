"""Messages between a scenario process and its run's supervisor: one JSON object a packet.

Each process has its own SOCK_SEQPACKET socket at CHANNEL_FD: close-on-exec (so an exec'd
program loses it, which is how the supervisor learns the exec worked) and above every fd a
scenario may touch, so it never shows in the fd tables.
"""

from __future__ import annotations

import array
import json
import socket
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

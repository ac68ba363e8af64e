"""Unix domain sockets (socketpair, socket, bind, listen, accept, connect, send, recv)."""

from __future__ import annotations

from app.runner.ops.base import OpsBase


class SocketOps(OpsBase):
    pass

"""The supervisor's ends of the scenario processes' channels, found by fd or by process."""

from __future__ import annotations

import selectors
import socket
import time
from typing import Any

from app.runner import channel
from app.runner.world import Proc

REPLY_WAIT_S = 2.0


class Channels:
    def __init__(self, sel: selectors.BaseSelector) -> None:
        self.sel = sel
        self.by_fd: dict[int, tuple[socket.socket, Proc]] = {}

    def add(self, chan: socket.socket, proc: Proc) -> None:
        chan.setblocking(True)
        self.by_fd[chan.fileno()] = (chan, proc)
        self.sel.register(chan, selectors.EVENT_READ, "proc")

    def drop(self, proc: Proc) -> None:
        for fileno, (chan, owner) in list(self.by_fd.items()):
            if owner is proc:
                self.sel.unregister(chan)
                chan.close()
                del self.by_fd[fileno]

    def get(self, fileno: int) -> tuple[socket.socket, Proc] | None:
        return self.by_fd.get(fileno)

    def of(self, proc: Proc) -> socket.socket | None:
        return next((chan for chan, owner in self.by_fd.values() if owner is proc), None)

    def pending(self, proc: Proc) -> bool:
        chan = self.of(proc)
        return chan is not None and pending(chan)

    def await_message(self, proc: Proc, wait: float) -> bool:
        end = time.monotonic() + wait
        while time.monotonic() < end:
            if self.pending(proc):
                return True
            time.sleep(0.0005)
        return False

    def next_message(self, proc: Proc) -> tuple[dict[str, Any] | None, list[int]] | None:
        """proc's next message (None for its close), waiting a little for it; None if proc
        has no channel, or said nothing in time."""
        chan = self.of(proc)
        if chan is None:
            return None
        chan.settimeout(REPLY_WAIT_S)
        try:
            return channel.recv(chan)
        except TimeoutError:
            return None
        finally:
            chan.settimeout(None)


def pending(chan: socket.socket) -> bool:
    """A message, or the peer's close, is waiting on chan."""
    try:
        chan.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return True

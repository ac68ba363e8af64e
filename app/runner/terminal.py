"""The run's pseudo-terminal: fds 0, 1 and 2 of its first process, as a shell gives a program.

What the processes print is read from the master side into the world's output. Raw mode, so
bytes arrive as written (no echo, no \\n -> \\r\\n).
"""

from __future__ import annotations

import os
import time

from app.runner import hygiene
from app.runner.world import World


class Terminal:
    def __init__(self, world: World, master: int | None = None) -> None:
        """A new terminal, or the master of one a cell already holds the slave of."""
        self.world = world
        if master is None:
            self.master, self.slave = os.openpty()
            hygiene.make_raw(self.slave)
        else:
            self.master, self.slave = master, -1
        os.set_blocking(self.master, False)
        self.bytes = 0  # read so far: a write to the terminal knows which bytes were its own

    def close_slave(self) -> None:
        """Once the first process holds it: the supervisor keeps only the master."""
        if self.slave >= 0:
            os.close(self.slave)
            self.slave = -1

    def read(self) -> str:
        try:
            data = os.read(self.master, 65536)
        except OSError:  # BlockingIOError: nothing yet; EIO: every slave fd is closed
            return ""
        self.bytes += len(data)
        text = data.decode("utf-8", "replace")
        self.world.add_output(text)
        return text

    def drain(self, wait: float, expect: int = 0) -> str:
        """Take what the terminal holds into the state, waiting up to `wait` for `expect`
        bytes (the terminal delivers a write a moment after the write returns)."""
        end = time.monotonic() + wait
        taken = ""
        while True:
            text = self.read()
            taken += text
            if len(taken.encode()) >= expect or time.monotonic() >= end:
                return taken
            if not text:
                time.sleep(0.0005)

"""A run's trace, as the runner sent it: one JSON text per event, in seq order.

Events are kept as the text that came over the run's socket and parsed only when asked: the
trace is sent on as it is, so a busy run costs the server a split and an append per event.
The trace is complete and bounded by the run's `max_events`; viewers read it at their own
pace through a cursor, so none of them holds a queue of its own.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.runner.world import NOTHING_GONE

EMPTY_STATE: dict[str, Any] = {
    "procs": [],
    "files": [],
    "pipes": [],
    "output": "",
    "gone": NOTHING_GONE,
}


class Recording:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0  # characters kept, for the bound on finished runs
        self.ended = False
        self._grew: asyncio.Future[None] | None = None
        self._parsed: tuple[int, dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self.lines)

    def extend(self, lines: list[str]) -> None:
        if self.ended or not lines:
            return
        self.lines.extend(lines)
        self.size += sum(map(len, lines))
        self._wake()

    def finish(self) -> None:
        self.ended = True
        self._wake()

    async def wait_past(self, count: int) -> None:
        """Return once the trace holds more than `count` events, or has ended."""
        while len(self.lines) <= count and not self.ended:
            if self._grew is None:
                self._grew = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._grew)

    def event(self, seq: int) -> dict[str, Any]:
        if self._parsed is not None and self._parsed[0] == seq:
            return self._parsed[1]
        event: dict[str, Any] = json.loads(self.lines[seq])
        self._parsed = (seq, event)
        return event

    def latest(self) -> dict[str, Any] | None:
        return self.event(len(self.lines) - 1) if self.lines else None

    def latest_state(self) -> dict[str, Any]:
        latest = self.latest()
        return latest["state"] if latest else EMPTY_STATE

    def as_array(self, start: int, stop: int) -> str:
        """Events [start, stop) as one JSON array, without parsing them."""
        return "[" + ",".join(self.lines[start:stop]) + "]"

    def _wake(self) -> None:
        if self._grew is not None:
            self._grew.set_result(None)
            self._grew = None

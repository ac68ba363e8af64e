"""A run's trace, as the runner sent it: one JSON text per event, in seq order.

Events are kept as the text that came over the run's socket and parsed only when asked: the
trace is sent on as it is, so a busy run costs the server a split and an append per event.
The trace is complete and bounded by the run's `max_events` and `max_recording_mb` (the
supervisor keeps to both; this refuses to grow past the second all the same); viewers read it
at their own pace through a cursor, so none of them holds a queue of its own.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.runner.world import NOTHING_GONE
from app.runs.fanout import Head

EMPTY_STATE: dict[str, Any] = {
    "procs": [],
    "files": [],
    "pipes": [],
    "mappings": [],
    "sockets": [],
    "gone": NOTHING_GONE,
    "output_at": 0,
    "output_new": "",
}


class RecordingFull(Exception):
    """The run sent more than its recording may hold."""


class Recording:
    def __init__(self, max_size: int) -> None:
        self.lines: list[str] = []
        self.size = 0  # characters kept (the runner's JSON is ASCII: bytes), for the bounds
        self.max_size = max_size
        self.ended = False
        self.heads: set[Head] = set()  # viewers sent everything, told of what comes at once
        self._grew: asyncio.Future[None] | None = None
        self._parsed: tuple[int, dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self.lines)

    def extend(self, lines: list[str], last: bool = False) -> None:
        """Record these events; past the bound, only those that fit, then RecordingFull. The
        `last` one, the run.end the server writes itself, is taken past it."""
        if self.ended or not lines:
            return
        size = sum(map(len, lines))
        full = self.size + size > self.max_size and not last
        if full:
            room, fit = self.max_size - self.size, 0
            while fit < len(lines) and len(lines[fit]) <= room:
                room -= len(lines[fit])
                fit += 1
            lines = lines[:fit]
            size = sum(map(len, lines))
        self.lines.extend(lines)
        self.size += size
        self._wake()
        if full:
            raise RecordingFull(f"the run sent more than {self.max_size >> 20} MB of events")

    def finish(self) -> None:
        self.ended = True
        self._wake()

    async def wait_past(self, count: int) -> None:
        """Return once the trace holds more than `count` events, or has ended."""
        while (grew := self.growth(count)) is not None:
            await asyncio.shield(grew)

    def growth(self, count: int) -> asyncio.Future[None] | None:
        """A future done at the next event or the end (shared by every viewer waiting), or
        None when the trace already holds more than `count` events or has ended."""
        if len(self.lines) > count or self.ended:
            return None
        if self._grew is None:
            self._grew = asyncio.get_running_loop().create_future()
        return self._grew

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
        for head in list(self.heads):  # one that cannot take it leaves the set meanwhile
            head.grew()
        if self._grew is not None:
            self._grew.set_result(None)
            self._grew = None

"""Sending a run's trace to one viewer, at that viewer's pace; and a lesson's notes beside it.

Each viewer reads the shared recording through its own cursor: there is no per-viewer queue
to grow, and a slow viewer only falls behind. When it is behind, the events it has not seen
go out as JSON arrays (batches bounded in count and size), so it catches up in few messages.
The run never waits for a viewer, and no viewer waits for another.

A lesson's watchers also get notes (the teacher's position) from a `Board`: the latest note
wins, so a watcher that was busy gets only the newest, never a backlog. A note about event K
goes to a watcher only once event K has (its page can show it at once).

The two things a sender reads are small protocols, `Feed` and `Notes`: `Recording` and
`Board` are the in-process ones. A broker between replicas (Redis, PostgreSQL LISTEN/NOTIFY)
would give the same two shapes, and `stream` would not change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

MAX_BATCH_EVENTS = 512
MAX_BATCH_CHARS = 1 << 20


class Feed(Protocol):
    """A run's events as JSON texts, in seq order, growing until `ended`."""

    @property
    def lines(self) -> Sequence[str]: ...
    @property
    def ended(self) -> bool: ...
    def __len__(self) -> int: ...
    def as_array(self, start: int, stop: int) -> str: ...
    def growth(self, count: int) -> asyncio.Future[None] | None:
        """Done once the feed holds more than `count` events or has ended; None if it does."""


class Notes(Protocol):
    """The latest note of a run's audience: `(seq it is about, message text)`, and its
    version (one more at each note)."""

    @property
    def version(self) -> int: ...
    @property
    def latest(self) -> tuple[int, str] | None: ...
    def next_note(self) -> asyncio.Future[None]:
        """Done at the next note."""


class Board:
    """The in-process `Notes`: one value, replaced at each note; waiters share one future."""

    def __init__(self) -> None:
        self.version = 0
        self.latest: tuple[int, str] | None = None
        self._next: asyncio.Future[None] | None = None

    def publish(self, seq: int, text: str) -> None:
        self.version += 1
        self.latest = (seq, text)
        if self._next is not None:
            self._next.set_result(None)
            self._next = None

    def next_note(self) -> asyncio.Future[None]:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        return self._next


class Follower:
    """One watcher's place in a lesson's notes: whether it follows, and what it was sent.
    `muted()` says it should get none now (the teacher's own sockets: they make the notes)."""

    def __init__(self, notes: Notes, muted: Callable[[], bool]) -> None:
        self.notes, self.muted = notes, muted
        self.following = True
        self.sent = 0  # the version of the last note sent
        self._poke: asyncio.Future[None] | None = None

    def due(self, cursor: int) -> str | None:
        """The note to send now, having sent events up to `cursor`, or None."""
        latest = self.notes.latest
        if not self.following or latest is None or self.sent == self.notes.version:
            return None
        if latest[0] >= cursor or self.muted():
            return None
        self.sent = self.notes.version
        return latest[1]

    def follow(self, following: bool) -> None:
        """Detach, or rejoin: a watcher that rejoins gets the latest note again at once."""
        self.following = following
        if following:
            self.sent = -1
        self.poke()

    def poke(self) -> None:
        if self._poke is not None and not self._poke.done():
            self._poke.set_result(None)

    def waits(self) -> list[asyncio.Future[None]]:
        self._poke = asyncio.get_running_loop().create_future()
        return [self._poke, self.notes.next_note()] if self.following else [self._poke]


def next_message(feed: Feed, cursor: int) -> tuple[str, int]:
    """The message that carries the events from `cursor` on, and how many it carries."""
    lines = feed.lines
    stop, size = cursor, 0
    while stop < len(lines) and stop - cursor < MAX_BATCH_EVENTS:
        size += len(lines[stop])
        if size > MAX_BATCH_CHARS and stop > cursor:
            break
        stop += 1
    if stop - cursor == 1:
        return lines[cursor], 1
    return feed.as_array(cursor, stop), stop - cursor


async def stream(
    feed: Feed, send: Callable[[str], Awaitable[None]], follower: Follower | None = None
) -> None:
    """Send every event, from seq 0, and the notes due, until the run's end has been sent."""
    cursor = 0
    while True:
        note = follower.due(cursor) if follower is not None else None
        if note is not None:
            await send(note)
            continue
        if cursor < len(feed):
            message, count = next_message(feed, cursor)
            await send(message)
            cursor += count
            continue
        if feed.ended:
            return  # every event has gone out
        # Futures, not tasks: waiting costs a callback on each, not a task per viewer.
        waits = follower.waits() if follower is not None else []
        grew = feed.growth(cursor)
        if grew is not None:
            waits.append(grew)
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)

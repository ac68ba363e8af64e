"""Sending a run's trace to one viewer, at that viewer's pace; and a lesson's notes beside it.

Each viewer reads the shared recording through its own cursor: there is no per-viewer queue
to grow, and a slow viewer only falls behind. When it is behind, the events it has not seen
go out as JSON arrays (batches bounded in count and size), so it catches up in few messages.
The run never waits for a viewer, and no viewer waits for another.

A viewer that has been sent everything is a *head*: when the feed grows, the feed itself
hands the new events to every head at once (`Sender.grew`, a write to each socket's buffer),
so one event to a class of 500 is one loop, not 500 tasks woken, each to send one message
(the fan-out's cost, BENCHMARKS.md). A head whose socket cannot take a message now (its
buffer is full, or an error reply is going out) is woken, and its own task sends from its
cursor as any viewer behind does: the order is the cursor's either way.

A lesson's watchers also get notes (the teacher's position) from a `Board`: the latest note
wins, so a watcher that was busy gets only the newest, never a backlog. A note about event K
goes to a watcher only once event K has (its page can show it at once).

The two things a sender reads are small protocols, `Feed` and `Notes`: `Recording` and
`Board` are the in-process ones; a replica's mirror of another's run fills the same two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

MAX_BATCH_EVENTS = 512
MAX_BATCH_CHARS = 1 << 20


class Head(Protocol):
    """A viewer sent everything so far, that takes what comes next at once."""

    def grew(self) -> None: ...
    def noted(self) -> None: ...


class Feed(Protocol):
    """A run's events as JSON texts, in seq order, growing until `ended`; it calls `grew()`
    on each of its `heads` when it grows or ends."""

    @property
    def lines(self) -> Sequence[str]: ...
    @property
    def ended(self) -> bool: ...
    @property
    def heads(self) -> set[Head]: ...
    def __len__(self) -> int: ...
    def as_array(self, start: int, stop: int) -> str: ...
    def growth(self, count: int) -> asyncio.Future[None] | None:
        """Done once the feed holds more than `count` events or has ended; None if it does."""


class Notes(Protocol):
    """The latest note of a run's audience: `(seq it is about, message text)`, and its
    version (one more at each note); it calls `noted()` on each of its `heads` at a note."""

    @property
    def version(self) -> int: ...
    @property
    def latest(self) -> tuple[int, str] | None: ...
    @property
    def heads(self) -> set[Head]: ...
    def next_note(self) -> asyncio.Future[None]:
        """Done at the next note."""


class Board:
    """The in-process `Notes`: one value, replaced at each note; waiters share one future."""

    def __init__(self) -> None:
        self.version = 0
        self.latest: tuple[int, str] | None = None
        self.heads: set[Head] = set()
        self._next: asyncio.Future[None] | None = None

    def publish(self, seq: int, text: str) -> None:
        self.version += 1
        self.latest = (seq, text)
        for head in list(self.heads):  # one that cannot take it leaves the set meanwhile
            head.noted()
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

    def due(self, cursor: int) -> tuple[int, str] | None:
        """The note to send now (its version, its text), having sent events up to
        `cursor`, or None. Once it has gone, `sent` is to be set to its version."""
        latest = self.notes.latest
        if not self.following or latest is None or self.sent == self.notes.version:
            return None
        if latest[0] >= cursor or self.muted():
            return None
        return self.notes.version, latest[1]

    def follow(self, following: bool) -> None:
        """Detach, or rejoin: a watcher that rejoins gets the latest note again at once."""
        self.following = following
        if following:
            self.sent = -1
        self.poke()

    def poke(self) -> None:
        if self._poke is not None and not self._poke.done():
            self._poke.set_result(None)

    def poked(self) -> asyncio.Future[None]:
        self._poke = asyncio.get_running_loop().create_future()
        return self._poke


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


class Sender:
    """One viewer's cursor in the feed. `send` awaits the socket; `push`, if given, puts a
    message in the socket's buffer now or says it cannot (False)."""

    def __init__(
        self,
        feed: Feed,
        send: Callable[[str], Awaitable[None]],
        follower: Follower | None = None,
        push: Callable[[str], bool] | None = None,
    ) -> None:
        self.feed, self.send, self.follower, self.push = feed, send, follower, push
        self.cursor = 0
        self._woken: asyncio.Future[None] | None = None

    async def run(self) -> None:
        """Send every event, from seq 0, and the notes due, until the run's end has gone."""
        while True:
            note = self.follower.due(self.cursor) if self.follower is not None else None
            if note is not None and self.follower is not None:
                await self.send(note[1])
                self.follower.sent = note[0]
                continue
            if self.cursor < len(self.feed):
                message, count = next_message(self.feed, self.cursor)
                await self.send(message)
                self.cursor += count
                continue
            if self.feed.ended:
                return  # every event has gone out
            await (self._wait_as_head() if self.push is not None else self._wait())

    async def _wait(self) -> None:
        # Futures, not tasks: waiting costs a callback on each, not a task per viewer.
        waits = []
        if self.follower is not None:
            waits.append(self.follower.poked())
            if self.follower.following:
                waits.append(self.follower.notes.next_note())
        grew = self.feed.growth(self.cursor)
        if grew is not None:
            waits.append(grew)
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)

    async def _wait_as_head(self) -> None:
        self._woken = asyncio.get_running_loop().create_future()
        waits = [self._woken]
        self.feed.heads.add(self)
        if self.follower is not None:
            waits.append(self.follower.poked())  # a rejoin: the latest note, at once
            self.follower.notes.heads.add(self)
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._leave()

    def grew(self) -> None:
        """The feed grew, or ended: push what is new, and a note that waited for it."""
        while self.cursor < len(self.feed):
            message, count = next_message(self.feed, self.cursor)
            if not self._pushed(message):
                return
            self.cursor += count
        self.noted()
        if self.feed.ended:
            self._wake()  # the task closes the socket

    def noted(self) -> None:
        note = self.follower.due(self.cursor) if self.follower is not None else None
        if note is not None and self.follower is not None and self._pushed(note[1]):
            self.follower.sent = note[0]

    def _pushed(self, message: str) -> bool:
        if self.push is not None and self.push(message):
            return True
        self._wake()  # the task sends it, waiting for the socket as it must
        return False

    def _wake(self) -> None:
        self._leave()
        if self._woken is not None and not self._woken.done():
            self._woken.set_result(None)

    def _leave(self) -> None:
        self.feed.heads.discard(self)
        if self.follower is not None:
            self.follower.notes.heads.discard(self)


async def stream(
    feed: Feed,
    send: Callable[[str], Awaitable[None]],
    follower: Follower | None = None,
    push: Callable[[str], bool] | None = None,
) -> None:
    """Send every event, from seq 0, and the notes due, until the run's end has been sent."""
    await Sender(feed, send, follower, push).run()

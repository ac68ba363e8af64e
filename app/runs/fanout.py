"""Sending a run's trace to one viewer, at that viewer's pace.

Each viewer reads the shared recording through its own cursor: there is no per-viewer queue
to grow, and a slow viewer only falls behind. When it is behind, the events it has not seen
go out as JSON arrays (batches bounded in count and size), so it catches up in few messages.
The run never waits for a viewer, and no viewer waits for another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.runs.recording import Recording

MAX_BATCH_EVENTS = 512
MAX_BATCH_CHARS = 1 << 20


def next_message(recording: Recording, cursor: int) -> tuple[str, int]:
    """The message that carries the events from `cursor` on, and how many it carries."""
    lines = recording.lines
    stop, size = cursor, 0
    while stop < len(lines) and stop - cursor < MAX_BATCH_EVENTS:
        size += len(lines[stop])
        if size > MAX_BATCH_CHARS and stop > cursor:
            break
        stop += 1
    if stop - cursor == 1:
        return lines[cursor], 1
    return recording.as_array(cursor, stop), stop - cursor


async def stream(recording: Recording, send: Callable[[str], Awaitable[None]]) -> None:
    """Send every event, from seq 0, until the run's end has been sent."""
    cursor = 0
    while True:
        await recording.wait_past(cursor)
        if cursor >= len(recording):
            return  # ended, and every event has gone out
        message, count = next_message(recording, cursor)
        await send(message)
        cursor += count

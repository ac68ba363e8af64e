"""Which finished runs memory keeps: the latest, within a count, an age and a size.

With a run store, memory is a cache: a stored run dropped here is read back from the store
when asked for (app/runs/archive.py). So stored runs go first, oldest first; a run whose
write is still to come never goes (it would be found nowhere for a moment); one the store
could not take (a full disk) stays however old it is, and goes only while memory is past
its count or size without the stored ones, as every run did before there was a store.
"""

from __future__ import annotations

from app.config import Settings
from app.runs.archive import Archive
from app.runs.run import Run


def forget_finished(runs: dict[str, Run], archive: Archive, s: Settings, now: float) -> int:
    """Drop from `runs` the finished runs past what memory keeps; the bytes they held.
    `now` is time.monotonic()."""
    droppable = [
        r
        for r in runs.values()
        if r.done.is_set() and r.stored is not None and not archive.writing(r.id)
    ]
    droppable.sort(key=lambda r: (not r.stored, r.ended_at or 0))
    finished = [r for r in runs.values() if r.done.is_set()]
    count, size = len(finished), sum(r.recording.size for r in finished)
    dropped = 0
    for run in droppable:
        too_many = count > s.keep_finished
        ages = run.stored or archive.store is None
        too_old = ages and now - (run.ended_at or now) > s.keep_finished_s
        too_big = size > s.keep_finished_mb << 20
        if too_many or too_old or too_big:
            count -= 1
            size -= run.recording.size
            dropped += run.recording.size
            del runs[run.id]
    return dropped

"""Which of strace's writes are a wake: the end of a call already told blocked.

In step mode each write of strace's waits for a step, but a step lets a process go, and a
process told blocked (`call.block`) cannot be let go: the server refuses a step when every
process left is blocked or gone (app/runs/control.py). Yet the kernel may wake it: a child's
exit wakes its parent's wait4, a write wakes a read. strace then holds the woken call's return,
`<... wait4 resumed>NULL, 0, NULL) = 4122`, until its write is let in. Were that to wait for a
step, a parent woken by the last child's exit would wait for one nobody may take, until the
run's time limit. So such a write goes in without a step, as the runner reports a woken
call's return at once (docs/events.md, "Order of events").
"""

from __future__ import annotations

from app.strace.lines import parse
from app.strace.track import Tracker


def is_wake(tracker: Tracker, text: str) -> bool:
    """True when every line of `text` (strace's write, after the part of its line already
    written) is about a thread inside a call told blocked: its return, its death, or the
    ` <unfinished ...>` that closes its entry's line before another thread's."""
    lines = [line for line in text.split("\n") if line]
    for raw in lines:
        line = parse(raw)
        if line.t is None:
            return False  # strace's own words, about no thread
        opened = tracker.open.get(tracker.who(line.pid))
        if opened is None or not opened.blocked:
            return False
    return bool(lines)

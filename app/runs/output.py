"""The run's terminal text, read back from its recording for a viewer that lacks some of it.

Events carry only what they add to the terminal (an `output` event's `data`, any other's
`state.output_new`) and where the terminal stands after them (`state.output_at`). A page keeps
the output it receives; one that shows a step whose earlier events it never got asks for the
text before that step's `output_at`. Nothing is kept for this: each answer is read from the
recorded lines, parsing only the few that added text.
"""

from __future__ import annotations

import bisect
import json
import re

from app.runs.recording import Recording

SCROLLBACK = 8192  # characters a terminal view shows: what static/js/terminal.js keeps on screen
_AT = re.compile(r'"output_at": ?(\d+)')


def tail(recording: Recording, upto: int | None, size: int = SCROLLBACK) -> tuple[int, int, str]:
    """(start, upto, text): the last `size` characters of the run's output before `upto`
    (the latest point if None, and never past it)."""
    lines = recording.lines[:]  # as it is now: a busy run keeps growing meanwhile
    if not lines:
        return 0, 0, ""
    latest = _at(lines[-1])
    upto = latest if upto is None else min(upto, latest)
    start = max(0, upto - size)
    pieces: list[str] = []
    # From the first event that reached `upto`, back through those that added text.
    seq = bisect.bisect_left(range(len(lines)), upto, key=lambda i: _at(lines[i]))
    for i in range(min(seq, len(lines) - 1), -1, -1):
        if _adds_nothing(lines[i]):
            continue
        event = json.loads(lines[i])
        text = event["data"] if event["type"] == "output" else event["state"]["output_new"]
        end = event["state"]["output_at"]
        begin = end - len(text)
        if begin < upto:
            pieces.append(text[max(start, begin) - begin : upto - begin])
        if begin <= start:
            break
    return start, upto, "".join(reversed(pieces))


def _at(line: str) -> int:
    found = _AT.search(line)
    return int(found.group(1)) if found else 0


def _adds_nothing(line: str) -> bool:
    """The runner writes JSON without spaces, and a quote inside a string is escaped: these
    texts can only be the state's own field and the event's own type."""
    return '"output_new":""' in line and '"type":"output"' not in line

"""gcc's diagnostics, read into items the page puts on their lines.

gcc is run with `-fdiagnostics-plain-output` (no colour, no caret lines, no URLs), so each
diagnostic is one line `prog.c:LINE:COLUMN: SEVERITY: MESSAGE`; anything else it says (`In
function 'main':`, a linker's `undefined reference`) is kept as a diagnostic with no line.
The message stays exactly as gcc wrote it: it is gcc's text, not ours to translate.
"""

from __future__ import annotations

import re
from typing import Any

SOURCE_NAME = "prog.c"  # the student's file, as gcc sees it inside the run
MAX_ITEMS = 50
_LOCATED = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<column>\d+):)? "
    r"(?P<severity>fatal error|error|warning|note): (?P<message>.*)$"
)
_UNLOCATED = re.compile(r"^(?:[^:\n]*: )?(?P<severity>fatal error|error|warning): (?P<message>.*)$")


def parse(text: str) -> list[dict[str, Any]]:
    """Every error, warning and note, in gcc's order, at most MAX_ITEMS."""
    items: list[dict[str, Any]] = []
    for raw in text.splitlines():
        if m := _LOCATED.match(raw):
            ours = m.group("file").endswith(SOURCE_NAME)
            items.append(
                {
                    "line": int(m.group("line")) if ours else None,
                    "column": int(m.group("column")) if ours and m.group("column") else None,
                    "severity": "error"
                    if m.group("severity") == "fatal error"
                    else m.group("severity"),
                    "message": m.group("message"),
                }
            )
        elif (m := _UNLOCATED.match(raw)) or "undefined reference" in raw:
            message = m.group("message") if m else raw.strip()
            severity = m.group("severity") if m else "error"
            items.append(
                {
                    "line": None,
                    "column": None,
                    "severity": "error" if severity == "fatal error" else severity,
                    "message": message,
                }
            )
        if len(items) >= MAX_ITEMS:
            break
    return items

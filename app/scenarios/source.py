"""C sources of the scenarios, and the line numbers their steps point at."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "c"


@cache
def c_source(name: str) -> str:
    return (EXAMPLES / f"{name}.c").read_text()


def locator(source: str) -> Callable[..., int]:
    """`at(snippet, nth=1)`: line_of bound to one source."""
    return partial(line_of, source)


def line_of(source: str, snippet: str, nth: int = 1) -> int:
    """The 1-based line holding the nth occurrence of snippet; a typo fails at import."""
    seen = 0
    for number, text in enumerate(source.splitlines(), start=1):
        if snippet in text:
            seen += 1
            if seen == nth:
                return number
    raise LookupError(f"{snippet!r} (occurrence {nth}) is not in the source")

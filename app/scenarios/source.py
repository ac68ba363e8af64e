"""C sources of the scenarios, and the line numbers their steps point at.

Each example is written twice, line for line the same code: `examples/c/NAME.c` with its
comments in English and `examples/c/zh/NAME.c` in Chinese, so the source pane speaks the
page's language (a test checks that the code of the two is the same). Line numbers, what
runs and what is compiled come from the English file.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "c"
TRANSLATED = {"zh": EXAMPLES / "zh"}


class CSource(str):
    """The English text of a C source, with its Chinese twin as `zh`."""

    zh: str

    def __new__(cls, en: str, zh: str) -> CSource:
        made = super().__new__(cls, en)
        made.zh = zh
        return made

    def __add__(self, more: str) -> CSource:
        return CSource(str(self) + more, self.zh + more)

    def __radd__(self, before: str) -> CSource:
        return CSource(before + str(self), before + self.zh)


@cache
def c_source(name: str) -> CSource:
    en = (EXAMPLES / f"{name}.c").read_text()
    twin = TRANSLATED["zh"] / f"{name}.c"
    return CSource(en, twin.read_text() if twin.exists() else en)


def in_both(source: str) -> dict[str, str]:
    """A scenario's source as the page shows it in each language."""
    return {"en": str(source), "zh": source.zh if isinstance(source, CSource) else str(source)}


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

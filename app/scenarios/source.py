"""C sources of the scenarios, and the line numbers their steps point at.

Each example is written once, `examples/c/NAME.c`, with its comments in English; its
comments in Chinese are a table, `examples/c/zh/NAME.json` (English comment -> Chinese), from
which the Chinese source is made: the same code, line for line, so the source pane speaks the
page's language and every step's line points at the same code in both. Line numbers, what
runs and what is compiled come from the English file. (A test fails on a comment without its
translation.)
"""

from __future__ import annotations

import json
import re
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


COMMENT = re.compile(r"(/\*\s*)(.*?)(\s*\*/)|(//\s*)(.*?)(\s*)$", re.MULTILINE)


@cache
def c_source(name: str) -> CSource:
    en = (EXAMPLES / f"{name}.c").read_text()
    return CSource(en, translated(en, comment_table(name, "zh")))


def comment_table(name: str, lang: str) -> dict[str, str]:
    """An example's comments in another language, by their English text (empty if none)."""
    path = TRANSLATED[lang] / f"{name}.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


def translated(source: str, table: dict[str, str]) -> str:
    """The source with each comment's text replaced by its translation (kept if it has none)."""

    def swap(m: re.Match[str]) -> str:
        start, text, end = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(4, 5, 6)
        return f"{start}{table.get(text, text)}{end}"

    return COMMENT.sub(swap, source)


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

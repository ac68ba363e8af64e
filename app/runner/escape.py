"""Bytes as strace prints them: printable ASCII as is, the rest escaped, capped."""

from __future__ import annotations

import re

from app.kernel.ring_bytes import Written

PREVIEW = 64
_ESCAPES = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x5C: "\\\\", 0x22: '\\"', 0x00: "\\0"}


def escape(data: bytes, cap: int = PREVIEW) -> tuple[str, bool]:
    out = []
    for b in data[:cap]:
        if b in _ESCAPES:
            out.append(_ESCAPES[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out), len(data) > cap


MAX_RUNS = 16
_RUN = re.compile(rb"(.)\1*", re.S)


def runs(data: bytes) -> list[tuple[str, int]] | None:
    """The bytes as runs of one repeated byte, [("A", 4096), ("B", 904)], when there are at
    most MAX_RUNS of them: enough to see whether one write was cut by another."""
    out: list[tuple[str, int]] = []
    for match in _RUN.finditer(data):
        if len(out) == MAX_RUNS:
            return None
        out.append((escape(match.group(1))[0], len(match.group(0))))
    return out


_BACK = {v: k for k, v in _ESCAPES.items()}
_TOKEN = re.compile(r"\\x[0-9a-f]{2}|\\.|.", re.S)


def unescape(text: str) -> bytes:
    """`escape`'s text back to its bytes."""
    out = bytearray()
    for token in _TOKEN.findall(text):
        if token in _BACK:
            out.append(_BACK[token])
        elif token.startswith("\\x") and len(token) == 4:
            out.append(int(token[2:], 16))
        else:
            out.extend(token[-1].encode("latin-1", "replace"))
    return bytes(out)


def written(
    pid: int | None, text: str | None, runs_: list[tuple[str, int]] | None = None
) -> Written:
    """What the runner knows of a write's bytes, from its first: all of them when it has
    their runs, else the escaped first bytes it has (`text`), the rest unknown."""
    if runs_ is not None:
        return Written(pid, tuple((unescape(ch)[0], n) for ch, n in runs_ if ch))
    return Written(pid, tuple((b, 1) for b in unescape(text or "")))

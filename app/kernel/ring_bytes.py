"""Which bytes each page of the ring holds, and which process wrote them.

The kernel keeps no record of who wrote a page; the runner knows, since it saw every write
that moved bytes into the ring (app/kernel/ring.py places them). What it knows of the bytes
themselves is what the write carried: our own processes send the runs of their whole buffer
(`app/runner/escape.runs`, when at most 16 runs), strace prints a write's first 64 bytes. A
byte past what is known is kept as unknown, so a page can still say how much of it came from
whom. Bytes moved by a call nobody saw (an exec'd program without strace) have no writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# How many of a page's first unread bytes the state shows (`slots[].preview`).
PREVIEW_BYTES = 16


@dataclass(slots=True)
class Piece:
    """`count` bytes in a row, each `byte` (None: not known), written by `pid` (None: unseen)."""

    byte: int | None
    count: int
    pid: int | None


@dataclass(frozen=True)
class Written:
    """One write's bytes, from its first on, as runs of one byte (None where not known): the
    rest of the write past the runs is not known either."""

    pid: int | None
    runs: tuple[tuple[int | None, int], ...] = ()

    def part(self, start: int, count: int) -> list[Piece]:
        """The pieces of bytes start .. start+count of the write."""
        out: list[Piece] = []
        pos, end = 0, start + count
        for byte, n in self.runs:
            lo, hi = max(pos, start), min(pos + n, end)
            if lo < hi:
                out.append(Piece(byte, hi - lo, self.pid))
            pos += n
            if pos >= end:
                break
        known = sum(p.count for p in out)
        if known < count:
            out.append(Piece(None, count - known, self.pid))
        return out


UNSEEN = Written(None)


def add(held: list[Piece], pieces: Iterable[Piece]) -> None:
    """Append pieces to a page's, merging a piece into the last one when it continues it."""
    for piece in pieces:
        last = held[-1] if held else None
        if last is not None and (last.byte, last.pid) == (piece.byte, piece.pid):
            last.count += piece.count
        else:
            held.append(Piece(piece.byte, piece.count, piece.pid))


def drop(held: list[Piece], count: int) -> None:
    """A read took `count` bytes from the front of the page."""
    while count > 0 and held:
        first = held[0]
        take = min(first.count, count)
        first.count -= take
        count -= take
        if first.count == 0:
            held.pop(0)


def first_bytes(held: list[Piece], most: int = PREVIEW_BYTES) -> bytes | None:
    """The page's first unread bytes, up to `most`, as far as they are known in a row from
    the first; None when even the first is not known."""
    out = bytearray()
    for piece in held:
        if piece.byte is None or len(out) >= most:
            break
        out.extend(bytes([piece.byte]) * min(piece.count, most - len(out)))
    return bytes(out) if out else None


def writers(held: list[Piece]) -> list[dict[str, int | None]]:
    """Who wrote the page's unread bytes, in their order: [{"pid", "len"}, ...]."""
    out: list[dict[str, int | None]] = []
    for piece in held:
        if out and out[-1]["pid"] == piece.pid:
            out[-1]["len"] = (out[-1]["len"] or 0) + piece.count
        else:
            out.append({"pid": piece.pid, "len": piece.count})
    return out

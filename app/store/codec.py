"""A run's events as a store keeps them: runs of consecutive events, each compressed.

The text kept is the runner's own, one JSON text per event (none holds a newline: the runner
writes one event a line), joined with newlines, so it reads back byte for byte. Measured on
real 20,000-event runs (BENCHMARKS.md, "Run store"): xz at preset 0 on chunks of about 4 MiB
of text keeps a `yes` run's 154 MB of JSON in 0.37 MB, and a full-buffer run's 63 MB in 0.37
MB, half of what zlib at level 6 needs, in about the time zlib takes; deltas against
keyframes would add code for nothing here, as consecutive events differ in a few fields and
the compressor's window finds the rest. Each chunk carries its own check (xz's CRC64, zlib's
Adler-32) and its event count, so a damaged chunk is found, and never read back wrong.
"""

from __future__ import annotations

import lzma
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

CHUNK_CHARS = 4 << 20  # text per chunk: the best ratio here without holding much more at once
WRITE_CODEC = "xz"
CODECS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "xz": (lambda raw: lzma.compress(raw, preset=0), lzma.decompress),
    "zlib": (lambda raw: zlib.compress(raw, 6), zlib.decompress),  # read, should one be kept
}


class DamagedRun(ValueError):
    """A run's chunks do not decode into its events."""


@dataclass(frozen=True)
class Chunk:
    first: int  # the seq of its first event
    count: int  # how many events it holds
    codec: str
    data: bytes


def encode(lines: list[str], codec: str = WRITE_CODEC) -> list[Chunk]:
    compress = CODECS[codec][0]
    return [
        Chunk(first, len(part), codec, compress(_joined(part)))
        for first, part in _parts(lines, CHUNK_CHARS)
    ]


def decode(chunks: Iterable[Chunk], events: int) -> list[str]:
    """The events back from their chunks, in order; DamagedRun if they are not all there."""
    lines: list[str] = []
    for chunk in chunks:
        if chunk.first != len(lines) or chunk.codec not in CODECS:
            raise DamagedRun(f"a chunk at event {chunk.first} where {len(lines)} was due")
        try:
            text = CODECS[chunk.codec][1](chunk.data).decode()
        except (lzma.LZMAError, zlib.error, UnicodeDecodeError, EOFError) as err:
            raise DamagedRun(f"the chunk at event {chunk.first} does not decode: {err}") from err
        part = text.split("\n")
        if len(part) != chunk.count:
            raise DamagedRun(f"the chunk at event {chunk.first} holds {len(part)} events")
        lines += part
    if len(lines) != events:
        raise DamagedRun(f"{len(lines)} of its {events} events are there")
    return lines


def _joined(part: list[str]) -> bytes:
    text = "\n".join(part)
    if text.count("\n") != len(part) - 1:
        raise ValueError("an event's text holds a newline: it would not read back as one")
    return text.encode()


def _parts(lines: list[str], most: int) -> Iterator[tuple[int, list[str]]]:
    """(first seq, events) of consecutive events of about `most` characters together; an
    event larger than that is a part of its own."""
    start, size = 0, 0
    for seq, line in enumerate(lines):
        if size and size + len(line) > most:
            yield start, lines[start:seq]
            start, size = seq, 0
        size += len(line) + 1
    if start < len(lines):
        yield start, lines[start:]

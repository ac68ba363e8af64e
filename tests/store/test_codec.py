"""The compact form gives back the runner's text exactly, and says when it cannot."""

from __future__ import annotations

import json
import random

import pytest

from app.store import codec
from app.store.codec import Chunk, DamagedRun, decode, encode


def events(count: int, seed: int = 1) -> list[str]:
    """Event texts shaped like the runner's: compact JSON, a growing terminal, escapes,
    and text outside ASCII (a line the server decoded with errors="replace" has U+FFFD)."""
    rng = random.Random(seed)
    lines = []
    for seq in range(count):
        data = "".join(rng.choice('ab\\"\t\u00e9\ufffd\u4e2d') for _ in range(rng.randrange(80)))
        event = {"v": 1, "seq": seq, "t": seq / 7, "type": "call.return", "data": data}
        lines.append(json.dumps(event, separators=(",", ":"), ensure_ascii=seq % 2 == 0))
    return lines


@pytest.mark.parametrize("name", sorted(codec.CODECS))
def test_round_trip_is_exact(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "CHUNK_CHARS", 4096)  # many chunks, events across their edges
    lines = events(2000)
    chunks = encode(lines, name)
    assert len(chunks) > 10
    assert [c.first for c in chunks] == sorted({c.first for c in chunks})
    assert decode(chunks, len(lines)) == lines
    assert sum(len(c.data) for c in chunks) < sum(map(len, lines)) / 2


def test_an_event_larger_than_a_chunk_is_a_chunk_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(codec, "CHUNK_CHARS", 100)
    lines = ["x" * 10, "y" * 500, "z" * 10]
    chunks = encode(lines)
    assert [(c.first, c.count) for c in chunks] == [(0, 1), (1, 1), (2, 1)]
    assert decode(chunks, 3) == lines


def test_consecutive_full_states_compress_a_hundred_fold() -> None:
    state = {"procs": [{"pid": 4875, "fds": [{"fd": fd, "kind": "pipe"} for fd in range(8)]}]}
    lines = [
        json.dumps({"seq": seq, "type": "call.return", "state": state}, separators=(",", ":"))
        for seq in range(5000)
    ]
    stored = sum(len(c.data) for c in encode(lines))
    assert stored * 100 < sum(map(len, lines))


def test_damage_is_found_never_read_back_wrong() -> None:
    lines = events(300)
    [chunk] = encode(lines)
    flipped = bytearray(chunk.data)
    flipped[len(flipped) // 2] ^= 0x40
    cases = {
        "a flipped bit": [Chunk(0, chunk.count, chunk.codec, bytes(flipped))],
        "cut short": [Chunk(0, chunk.count, chunk.codec, chunk.data[:-20])],
        "a count that lies": [Chunk(0, chunk.count + 1, chunk.codec, chunk.data)],
        "an unknown codec": [Chunk(0, chunk.count, "brotli", chunk.data)],
        "a chunk missing": [],
        "a gap": [Chunk(5, chunk.count, chunk.codec, chunk.data)],
    }
    for what, chunks in cases.items():
        with pytest.raises(DamagedRun):
            decode(chunks, len(lines))
        print(what, "found")


def test_an_event_with_a_newline_is_refused_not_split() -> None:
    with pytest.raises(ValueError, match="newline"):
        encode(['{"a":1}', '{"b":\n2}'])

"""Each slot's bytes and writer, as a run's events show them, against what the kernel gives
the reader: the bytes a read returns are the ones its pipe's slots held just before it."""

from __future__ import annotations

from typing import Any

import pytest
from support import ForkServer, calls, pipe_of

from app.runner.escape import unescape


def queued(event: dict[str, Any], pipe_id: str) -> list[tuple[int | None, int]]:
    """The ring's unread bytes as (writer pid, length) runs, oldest page first."""
    ring = pipe_of(event, pipe_id)["ring"]
    n = ring["nslots"]
    out: list[tuple[int | None, int]] = []
    for counter in range(ring["tail"], ring["head"]):
        for writer in ring["slots"][counter % n]["writers"]:
            if out and out[-1][0] == writer["pid"]:
                out[-1] = (writer["pid"], out[-1][1] + writer["len"])
            else:
                out.append((writer["pid"], writer["len"]))
    return out


def take(runs: list[tuple[int | None, int]], count: int) -> list[tuple[int | None, int]]:
    out = []
    for pid, n in runs:
        if count <= 0:
            break
        out.append((pid, min(n, count)))
        count -= n
    return out


@pytest.mark.parametrize("size", [4096, 8192, 5000], ids=lambda s: f"{s}-byte writes")
def test_every_read_takes_the_writers_bytes_the_slots_showed(
    forkserver: ForkServer, size: int
) -> None:
    events = forkserver.scenario("atomic-writes", {"size": size, "writes": 12}).finish()
    roles = {p["role"]: p["pid"] for p in events[-1]["state"]["procs"]}
    by_fill = {b"A": roles["writer_a"], b"B": roles["writer_b"]}
    reads = [e for e in calls(events) if e["call"] == "read" and e["ret"] > 0]
    assert reads
    for read in reads:
        before = events[read["seq"] - 1]
        pipe_id = next(p["id"] for p in before["state"]["pipes"])
        got = [(by_fill[unescape(ch)], n) for ch, n in read["data_runs"]]
        assert take(queued(before, pipe_id), read["ret"]) == got, read["seq"]
    writers_seen = {
        w["pid"]
        for e in events
        for pipe in e["state"]["pipes"]
        for slot in pipe["ring"]["slots"]
        if slot
        for w in slot["writers"]
    }
    assert writers_seen == set(by_fill.values())


def test_a_slot_shows_the_first_bytes_of_its_page_as_they_are_read(
    forkserver: ForkServer,
) -> None:
    events = forkserver.program(
        {
            "main": [
                {"op": "pipe", "name": "p"},
                {"op": "write", "fd": "p[1]", "data": "hello pipe\n"},
                {"op": "read", "fd": "p[0]", "count": 6},
                {"op": "write", "fd": "p[1]", "size": 5000, "fill": "z"},
            ]
        }
    ).finish()
    writes = [e for e in calls(events) if e["call"] in ("write", "read")]
    slots = [[s for s in e["state"]["pipes"][0]["ring"]["slots"] if s] for e in writes]
    me = writes[0]["pid"]
    assert [(s["preview"], s["writers"]) for s in slots[0]] == [
        ("hello pipe\\n", [{"pid": me, "len": 11}])
    ]
    assert [s["preview"] for s in slots[1]] == ["pipe\\n"]
    # 5000 bytes: 904 merge behind the 5 left in the first page, 4096 take a page of their own.
    assert [(s["preview"], s["writers"]) for s in slots[2]] == [
        ("pipe\\nzzzzzzzzzzz", [{"pid": me, "len": 909}]),
        ("z" * 16, [{"pid": me, "len": 4096}]),
    ]

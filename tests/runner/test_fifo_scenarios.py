"""The FIFO chapter's teaching points, read from the events of real runs."""

from __future__ import annotations

from typing import Any

import pytest
from support import ForkServer, calls, pipe_of, proc_of
from terminal import terminal_text


def role_pid(events: list[dict[str, Any]], role: str) -> int:
    return next(e["pid"] for e in events if e["type"] == "proc.start" and e["role"] == role)


def opens(events: list[dict[str, Any]], type_: str = "call.return") -> list[dict[str, Any]]:
    return [e for e in calls(events, type_) if e["call"] == "open"]


@pytest.mark.parametrize("writer_first", [False, True], ids=["reader-first", "writer-first"])
def test_the_first_open_waits_for_its_partner_and_returns_after_it(
    forkserver: ForkServer, writer_first: bool
) -> None:
    events = forkserver.scenario("fifo-rendezvous", {"writer_first": writer_first}).finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    first, second = ("writer", "reader") if writer_first else ("reader", "writer")
    waiter, partner = role_pid(events, first), role_pid(events, second)
    # The two share no fd of the FIFO: each has only what its own open gave it.
    fork_state = next(e for e in events if e["type"] == "proc.start" and e["pid"] == partner)
    assert fork_state["state"]["pipes"] == []
    block = next(e for e in opens(events, "call.block"))
    assert block["pid"] == waiter
    assert block["blocked_on"]["wchan"].endswith("wait_for_partner")
    assert block["blocked_on"]["path"] == "myfifo"
    assert proc_of(block, waiter)["status"] == "blocked"
    assert all(r["kind"] != "fifo" for r in proc_of(block, waiter)["fds"])  # no fd yet
    returned = opens(events)
    assert [e["pid"] for e in returned] == [partner, waiter]
    partner_enter = next(e for e in opens(events, "call.enter") if e["pid"] == partner)
    assert block["seq"] < partner_enter["seq"] < returned[0]["seq"] < returned[1]["seq"]
    assert returned[1]["blocked"] and not returned[0]["blocked"]
    # Both fds are on one kernel pipe: the FIFO's row, with its path.
    after = returned[1]["state"]
    rows = [
        row
        for pid in (waiter, partner)
        for row in proc_of(returned[1], pid)["fds"]
        if row["fd"] == 3
    ]
    assert {r["kind"] for r in rows} == {"fifo"} and {r["type"] for r in rows} == {"fifo"}
    assert len({r["pipe"] for r in rows}) == 1
    fifo = pipe_of(returned[1], rows[0]["pipe"])
    assert fifo["kind"] == "fifo" and fifo["path"].endswith("/myfifo")
    assert (fifo["readers"], fifo["writers"], fifo["bytes"], fifo["capacity"]) == (1, 1, 0, 65536)
    assert len(after["pipes"]) == 1
    assert "hello fifo" in terminal_text(events)
    eof = [e for e in calls(events) if e["call"] == "read" and e["ret"] == 0]
    assert eof and eof[0]["pid"] == role_pid(events, "reader")


def test_a_nonblocking_open_for_writing_with_no_reader_is_enxio(forkserver: ForkServer) -> None:
    events = forkserver.scenario("fifo-enxio").finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    first, reader, second = opens(events)
    assert first["args"]["flags"] == "O_WRONLY|O_NONBLOCK"
    assert (first["ret"], first["errno"]) == (-1, "ENXIO")
    assert first["state"]["pipes"] == []
    assert reader["args"]["flags"] == "O_RDONLY|O_NONBLOCK" and reader["ret"] == 3
    assert (second["ret"], second["errno"]) == (4, None)
    assert not opens(events, "call.block")  # O_NONBLOCK: no open waits
    fifo = second["state"]["pipes"][0]
    assert (fifo["kind"], fifo["readers"], fifo["writers"]) == ("fifo", 1, 1)
    rows = {r["fd"]: r for r in proc_of(second, second["pid"])["fds"]}
    assert rows[3]["end"] == "read" and rows[4]["end"] == "write" and rows[4]["nonblock"]


def test_after_unlink_the_fifo_lives_on_as_deleted(forkserver: ForkServer) -> None:
    events = forkserver.scenario("fifo-enxio").finish()
    unlink = next(e for e in calls(events) if e["call"] == "unlink")
    before = next(e for e in calls(events, "call.enter") if e["call"] == "unlink")
    fifo_before, fifo_after = before["state"]["pipes"][0], unlink["state"]["pipes"][0]
    assert not fifo_before["path"].endswith(" (deleted)")
    assert fifo_after["path"] == fifo_before["path"] + " (deleted)"
    assert fifo_after["id"] == fifo_before["id"]  # the same FIFO, nameless now
    assert unlink["state"]["gone"] == {
        "fds": [],
        "files": [],
        "pipes": [],
        "mappings": [],
        "sockets": [],
    }
    targets = {r["target"] for r in proc_of(unlink, unlink["pid"])["fds"] if r["kind"] == "fifo"}
    assert targets == {fifo_after["path"]}
    files = {f["id"] for f in before["state"]["files"]} == {
        f["id"] for f in unlink["state"]["files"]
    }
    assert files  # its open files keep their ids: unlink touched the name only
    read = next(e for e in calls(events) if e["call"] == "read")
    assert read["ret"] == 11 and read["data"] == "still here\\n"
    assert "still here" in terminal_text(events)


def test_an_open_nobody_answers_times_out_and_says_why(forkserver: ForkServer) -> None:
    events = forkserver.program(
        {"lonely": [{"op": "mkfifo", "path": "f"}, {"op": "open", "path": "f", "name": "r"}]},
        limits={"wall_s": 1},
    ).finish()
    end = events[-1]
    assert end["reason"] == "timeout"
    assert (
        "is blocked in open of f: an open of a FIFO waits until a process opens its other end"
        in end["message"]
    )
    (proc,) = end["state"]["procs"]
    assert proc["blocked_on"]["path"] == "f" and proc["blocked_on"]["call"] == "open"

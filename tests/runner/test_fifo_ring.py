"""A FIFO's ring, as a run shows it: the same model as a pipe's, exact and equal to FIONREAD
at every event, and a full FIFO blocks its writer as a full pipe does."""

from __future__ import annotations

from typing import Any

import pytest
from support import ForkServer, calls, pipe_of, proc_of
from test_ring_in_runs import accepted_until_full, check_rings, predicted


def opened(mode: str, name: str) -> dict[str, Any]:
    return {"op": "open", "path": "ring", "flags": mode, "name": name}


@pytest.mark.parametrize("sizes", [[4096], [5000], [1, 4096]], ids=str)
def test_a_nonblocking_writer_fills_a_fifo_as_the_model_says(
    forkserver: ForkServer, sizes: list[int]
) -> None:
    first = [{"op": "write", "fd": "w", "size": sizes[0]}] if len(sizes) > 1 else []
    events = forkserver.program(
        {
            "writer": [
                {"op": "mkfifo", "path": "ring"},
                opened("O_RDONLY|O_NONBLOCK", "r"),
                opened("O_WRONLY|O_NONBLOCK", "w"),
                *first,
                {"op": "write", "fd": "w", "size": sizes[-1], "repeat": 200, "until_error": True},
            ]
        }
    ).finish()
    writes = [e for e in calls(events) if e["call"] == "write"]
    assert writes[-1]["errno"] == "EAGAIN"
    assert accepted_until_full(writes) == predicted(sizes)
    assert all(p["kind"] == "fifo" for e in events for p in e["state"]["pipes"])
    check_rings(events)


def test_a_full_fifo_blocks_its_writer_on_its_path(forkserver: ForkServer) -> None:
    """Stepped, so the order is the test's: the writer fills the FIFO before anyone reads."""
    run = forkserver.program(
        {
            "writer": [
                {"op": "mkfifo", "path": "ring"},
                {"op": "fork", "child": "reader"},
                opened("O_WRONLY", "w"),
                {"op": "write", "fd": "w", "size": 4096, "repeat": 20},
                {"op": "close", "fd": "w"},
                {"op": "wait"},
            ],
            "reader": [
                opened("O_RDONLY", "r"),
                {"op": "read", "fd": "r", "count": 8192, "until_eof": True},
            ],
        },
        mode="step",
        limits={"wall_s": 30},
    )
    writer = run.until(lambda e: e["type"] == "proc.start")["pid"]

    def step(pid: int) -> dict[str, Any]:
        run.control(op="step", pid=pid)
        return run.until(lambda e: e["type"] in ("call.return", "call.block") and e["pid"] == pid)

    step(writer)  # mkfifo
    reader = step(writer)["ret"]  # fork
    assert step(writer)["type"] == "call.block"  # its open waits for a reader
    step(reader)  # the reader's open: both go on
    woken = run.until(lambda e: e["type"] == "call.return" and e["pid"] == writer)
    assert woken["call"] == "open" and woken["blocked"]
    for _ in range(17):  # 16 writes fill the 16 slots; the 17th sleeps
        block = step(writer)
    assert block["type"] == "call.block" and block["call"] == "write"
    run.control(op="play", interval_ms=0)
    events = run.finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    on = block["blocked_on"]
    assert on["wchan"].endswith("pipe_write") and on["pipe"].startswith("fifo:[")
    fifo = pipe_of(block, on["pipe"])
    assert on["path"] == fifo["path"] and fifo["path"].endswith("/ring")
    assert fifo["bytes"] == 65536 and fifo["ring"]["head"] - fifo["ring"]["tail"] == 16
    assert proc_of(block, writer)["status"] == "blocked"
    reads = [e["ret"] for e in calls(events) if e["call"] == "read"]
    assert sum(reads) == 20 * 4096 and reads[-1] == 0
    check_rings(events)


def test_an_fd_opened_again_with_other_flags_shows_them(forkserver: ForkServer) -> None:
    """The same fd number on the same path, opened again: its flags are read afresh."""
    events = forkserver.program(
        {
            "p": [
                {"op": "mkfifo", "path": "ring"},
                opened("O_RDWR", "a"),
                {"op": "close", "fd": "a"},
                opened("O_RDWR|O_NONBLOCK", "b"),
                {"op": "close", "fd": "b"},
            ]
        }
    ).finish()
    first, again = [e for e in calls(events) if e["call"] == "open"]
    assert first["ret"] == again["ret"] == 3
    rows = [next(r for r in proc_of(e, e["pid"])["fds"] if r["fd"] == 3) for e in (first, again)]
    assert [r["nonblock"] for r in rows] == [False, True]

"""Settle before the next call: the calls a call woke are reported next, each with the world
after it, so the ring is exact at every event and nothing is shown asleep once woken.

Every built-in runner scenario, live and stepped by an impatient viewer, ten runs in a row
(six at a time, so the machine is loaded as a shared one is).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from settled import impossible_sleeps, inexact, step_through
from support import ForkServer, calls, proc_of

from app.scenarios import catalog

RUNS = 10
# Scenarios whose exec'd programs could only be polled from /proc (none, now that strace
# tells their calls: shell-pipeline's ls and wc are held to the same rule as the rest).
UNREPORTED: set[str] = set()
NAMES = [s.name for s in catalog.all_scenarios() if s.backend == "runner"]
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    *((name, {}) for name in NAMES),
    *(
        ("full-buffer", {"chunk": chunk, "reader_delay_ms": delay})
        for chunk, delay in [(1000, 0), (5000, 0), (5000, 50), (65536, 0), (65536, 100)]
    ),
    ("full-buffer", {"total": 20000, "chunk": 128, "reader_delay_ms": 50}),
    ("atomic-writes", {"size": 65536}),
    ("atomic-writes", {"size": 5000, "writes": 20}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in params.items()) for name, params in VARIANTS]
STARTING = threading.Lock()  # the fork server answers one start at a time


def run_one(forkserver: ForkServer, name: str, params: dict[str, Any], mode: str) -> list:
    # Time enough for a run among six on a busy machine; forgot-close ends at its limit.
    limits = {"wall_s": 1 if mode == "step" else 0.5} if name == "forgot-close" else {"wall_s": 30}
    with STARTING:
        run = forkserver.scenario(name, params, mode=mode, limits=limits)
    return step_through(run) if mode == "step" else run.finish()


def check(events: list, name: str) -> None:
    assert events[-1]["reason"] == ("timeout" if name == "forgot-close" else "exited")
    if name not in UNREPORTED:
        assert inexact(events) == [], name
    assert impossible_sleeps(events, programs=name not in UNREPORTED) == [], name


@pytest.mark.parametrize("mode", ["live", "step"])
@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=IDS)
def test_exact_at_every_event_ten_runs_in_a_row(
    forkserver: ForkServer, name: str, params: dict[str, Any], mode: str
) -> None:
    with ThreadPoolExecutor(6) as pool:
        runs = list(pool.map(lambda _: run_one(forkserver, name, params, mode), range(RUNS)))
    for events in runs:
        check(events, name)


def test_a_read_that_frees_a_page_is_followed_by_the_write_it_woke(
    forkserver: ForkServer,
) -> None:
    events = forkserver.scenario("full-buffer").finish()
    block = next(e for e in calls(events, "call.block") if e["call"] == "write")
    writer = block["pid"]
    woke = next(
        e for e in events[block["seq"] :] if e["type"] == "call.return" and e["call"] == "read"
    )
    assert proc_of(woke, writer)["status"] == "running"  # woken: no longer asleep
    after = events[woke["seq"] + 1]
    assert (after["type"], after["pid"], after["call"], after["blocked"]) == (
        "call.return",
        writer,
        "write",
        True,
    )
    (pipe,) = woke["state"]["pipes"]
    (later,) = after["state"]["pipes"]
    assert (pipe["bytes"], later["bytes"]) == (65536 - 4096, 65536)


def test_a_big_write_woken_for_each_page_sleeps_again_with_its_bytes(
    forkserver: ForkServer,
) -> None:
    events = forkserver.scenario("full-buffer", {"chunk": 65536, "total": 131072}).finish()
    writer = events[1]["pid"]
    blocks = [e for e in calls(events, "call.block") if e["pid"] == writer and e["call"] == "write"]
    assert len(blocks) > 2  # the second 64 KiB write sleeps again after each freed page
    for e in blocks:
        (pipe,) = e["state"]["pipes"]
        assert pipe["ring"]["head"] - pipe["ring"]["tail"] == 16 and pipe["ring"]["exact"]


def test_two_readers_woken_by_one_write_each_report_before_the_next_call(
    forkserver: ForkServer,
) -> None:
    reader = [{"op": "read", "fd": "p[0]", "count": 3}, {"op": "exit"}]
    events = forkserver.program(
        {
            "parent": [
                {"op": "pipe", "name": "p"},
                {"op": "fork", "child": "r1"},
                {"op": "fork", "child": "r2"},
                {"op": "sleep", "ms": 300},  # both readers asleep by then, even on a busy machine
                {"op": "write", "fd": "p[1]", "data": "abcdef"},
                {"op": "close", "fd": "p[1]"},
                {"op": "wait", "child": "r1"},
                {"op": "wait", "child": "r2"},
                {"op": "exit"},
            ],
            "r1": reader,
            "r2": reader,
        }
    ).finish()
    assert inexact(events) == [] and impossible_sleeps(events) == []
    write = next(e for e in calls(events) if e["call"] == "write")
    nxt = events[write["seq"] + 1 : write["seq"] + 3]
    assert [(e["type"], e["call"], e["ret"]) for e in nxt] == [("call.return", "read", 3)] * 2


def test_a_writer_asleep_on_a_full_pipe_dies_of_sigpipe_right_after_the_last_close(
    forkserver: ForkServer,
) -> None:
    run = forkserver.program(
        {
            "parent": [
                {"op": "pipe", "name": "p"},
                {"op": "fork", "child": "writer"},
                {"op": "close", "fd": "p[1]"},
                {"op": "close", "fd": "p[0]"},
                {"op": "wait", "child": "writer"},
                {"op": "exit"},
            ],
            "writer": [
                {"op": "close", "fd": "p[0]"},
                {"op": "write", "fd": "p[1]", "size": 4096, "fill": "x", "repeat": 17},
                {"op": "exit"},
            ],
        },
        mode="step",
        limits={"wall_s": 30},
    )
    parent = run.until(lambda e: e["type"] == "proc.start")["pid"]

    def step(pid: int) -> dict[str, Any]:
        run.control(op="step", pid=pid)
        ended = ("call.return", "call.block")
        return run.until(lambda e: e["type"] in ended and e["pid"] == pid)

    step(parent)  # pipe
    writer = step(parent)["ret"]  # fork
    for _ in range(18):  # its close, 16 writes that fit, and the 17th, which sleeps
        done = step(writer)
    assert done["type"] == "call.block" and done["call"] == "write"
    step(parent)  # close(p[1])
    run.control(op="step", pid=parent)  # close(p[0]): the last read end; and nothing more
    run.control(op="play", interval_ms=0)
    events = run.finish()
    assert inexact(events) == [] and impossible_sleeps(events) == []
    close = next(e for e in calls(events) if e["pid"] == parent and e["args"] == {"fd": 3})
    after = [(e["type"], e.get("call"), e.get("errno")) for e in events[close["seq"] + 1 :]]
    epipe = ("call.return", "write", "EPIPE")
    assert after[:3] == [epipe, ("signal", None, None), ("proc.exit", None, None)]
    # The writer's files go at its exit, after its EPIPE: until then it holds its end.
    for e in events[close["seq"] : close["seq"] + 3]:
        assert 4 in [r["fd"] for r in proc_of(e, writer)["fds"]], e["seq"]
        (pipe,) = e["state"]["pipes"]
        assert (pipe["readers"], pipe["writers"]) == (0, 1)
    assert not events[close["seq"] + 3]["state"]["pipes"]


@pytest.mark.parametrize("mode", ["live", "step"])
def test_eof_wakes_a_sleeping_reader_right_after_the_last_close(
    forkserver: ForkServer, mode: str
) -> None:
    run = forkserver.program(
        {
            "parent": [
                {"op": "pipe", "name": "p"},
                {"op": "fork", "child": "child"},
                {"op": "close", "fd": "p[0]"},
                {"op": "sleep", "ms": 200},  # the reader asleep by then
                {"op": "close", "fd": "p[1]"},
                {"op": "sleep", "ms": 20},
                {"op": "wait", "child": "child"},
                {"op": "exit"},
            ],
            "child": [
                {"op": "close", "fd": "p[1]"},
                {"op": "read", "fd": "p[0]", "count": 8},
                {"op": "exit"},
            ],
        },
        mode=mode,
        limits={"wall_s": 20},
    )
    events = step_through(run) if mode == "step" else run.finish()
    assert impossible_sleeps(events) == []
    eof = next(e for e in calls(events) if e["call"] == "read")
    assert (eof["ret"], eof["blocked"]) == (0, True)
    cause = events[eof["seq"] - 1]
    assert (cause["type"], cause["call"], cause["args"]) == ("call.return", "close", {"fd": 4})
    assert proc_of(cause, eof["pid"])["status"] == "running"


def test_a_write_larger_than_the_ring_that_slept_unseen_returns_after_the_read_it_woke(
    forkserver: ForkServer,
) -> None:
    """17 pages into a ring of 16, a reader asleep: the write fills the ring and sleeps, the
    reader takes a page, the write puts its last page in and returns, often all before a
    probe could see the write asleep. The trace still reads in the kernel's order."""
    for _ in range(3):
        events = forkserver.program(
            {
                "parent": [
                    {"op": "pipe", "name": "p"},
                    {"op": "fork", "child": "reader"},
                    {"op": "close", "fd": "p[0]"},
                    {"op": "sleep", "ms": 100},
                    {"op": "write", "fd": "p[1]", "size": 69632, "fill": "x"},
                    {"op": "close", "fd": "p[1]"},
                    {"op": "wait", "child": "reader"},
                    {"op": "exit"},
                ],
                "reader": [
                    {"op": "close", "fd": "p[1]"},
                    {"op": "read", "fd": "p[0]", "count": 4096, "until_eof": True},
                    {"op": "exit"},
                ],
            }
        ).finish()
        assert inexact(events) == [] and impossible_sleeps(events) == []
        write = next(e for e in calls(events) if e["call"] == "write")
        first_read = next(e for e in calls(events) if e["call"] == "read")
        assert first_read["seq"] < write["seq"] and first_read["ret"] == 4096
        assert [p["bytes"] for p in first_read["state"]["pipes"]] == [65536 - 4096]
        assert [p["bytes"] for p in write["state"]["pipes"]] == [65536]

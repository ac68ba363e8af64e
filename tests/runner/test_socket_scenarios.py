"""Each socket scenario's teaching point, asserted from its events against real processes, in
every boundary mode the sandbox has (a host with root, a container, a user namespace)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import ForkServer, calls, proc_of, runs_as

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "security"))
from boundary import MODES


@pytest.fixture(scope="module", params=sorted(MODES))
def fs(request: pytest.FixtureRequest) -> Iterator[ForkServer]:
    mode = MODES[request.param]
    if "user" in mode and (why := runs_as(mode["user"])) is not None:
        pytest.skip(f"the fork server cannot run as {mode['user']} here: {why}")
    server = ForkServer(mode["config"], user=mode.get("user"))
    server.boundary_mode = request.param  # type: ignore[attr-defined]
    yield server
    server.close()


def finished(
    fs: ForkServer, name: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    events = fs.scenario(name, params).finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    return events


def socket_of(event: dict[str, Any], pid: int, fd: int) -> dict[str, Any]:
    row = next(r for r in proc_of(event, pid)["fds"] if r["fd"] == fd)
    assert row["kind"] == "socket" and row["socket"] == row["target"]
    return next(s for s in event["state"]["sockets"] if s["id"] == row["socket"])


def recvs(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in calls(events) if e["call"] == "recv"]


def test_a_stream_socket_gives_three_sends_in_one_recv(fs: ForkServer) -> None:
    events = finished(fs, "stream-vs-datagram", {"type": "stream"})
    got = recvs(events)
    assert [e["ret"] for e in got] == [19, 0, 0]
    assert got[0]["data"] == "first\\nsecond\\nthird\\n"  # escaped, as the page shows it
    before = events[events.index(got[0]) - 1]  # the recv's call.enter: all three queued
    queue = socket_of(before, got[0]["pid"], got[0]["args"]["fd"])
    assert (queue["type"], queue["bytes"], queue["messages"]) == ("stream", 19, None)
    assert queue["state"] == "closed"  # the sender has closed its end: then EOF


@pytest.mark.parametrize("kind", ["datagram", "seqpacket"])
def test_a_datagram_socket_keeps_each_send_a_message(fs: ForkServer, kind: str) -> None:
    events = finished(fs, "stream-vs-datagram", {"type": kind})
    got = recvs(events)
    assert [(e["ret"], e["data"]) for e in got] == [
        (6, "first\\n"),
        (7, "second\\n"),
        (6, "third\\n"),
    ]
    before = events[events.index(got[0]) - 1]
    queue = socket_of(before, got[0]["pid"], got[0]["args"]["fd"])
    assert queue["type"] == kind
    if fs.boundary_mode == "container":  # type: ignore[attr-defined]
        assert queue["messages"] is None  # no CAP_SYS_PTRACE: no fd to peek through
    else:
        assert (queue["messages"], queue["bytes"]) == ([6, 7, 6], 19)
        after = socket_of(got[0], got[0]["pid"], got[0]["args"]["fd"])
        assert after["messages"] == [7, 6]


def test_each_end_of_a_pair_names_the_other_as_its_peer(fs: ForkServer) -> None:
    events = finished(fs, "stream-vs-datagram")
    made = next(e for e in calls(events) if e["call"] == "socketpair")
    a, b = made["args"]["fds"]
    one, other = socket_of(made, made["pid"], a), socket_of(made, made["pid"], b)
    assert one["peer"] == other["id"] and other["peer"] == one["id"]
    assert one["state"] == other["state"] == "connected"
    # Each end goes with its last fd, and that event names it in `gone`, as it was.
    gone = [s["id"] for e in events for s in e["state"]["gone"]["sockets"]]
    assert sorted(gone) == sorted([one["id"], other["id"]])


def test_a_full_socket_blocks_the_sender_until_a_recv(fs: ForkServer) -> None:
    events = finished(fs, "socket-full", {"total": 70 * 4096, "reader_delay_ms": 2000})
    block = next(e for e in events if e["type"] == "call.block" and e["call"] == "send")
    on = block["blocked_on"]
    assert on["wchan"].endswith("sock_alloc_send_pskb")
    mine = socket_of(block, block["pid"], on["fd"])
    assert on["socket"] == mine["id"]
    peer = next(s for s in block["state"]["sockets"] if s["id"] == mine["peer"])
    sent = sum(e["ret"] for e in calls(events) if e["call"] == "send" and e["seq"] < block["seq"])
    assert peer["bytes"] == sent > 0  # every byte sent waits in the receiver's queue
    assert proc_of(block, block["pid"])["status"] == "blocked"
    assert sum(e["ret"] for e in recvs(events)) == 70 * 4096  # all of it, once recv made room
    woken = [e for e in calls(events) if e["call"] == "send" and e["blocked"]]
    assert woken and all(e["ret"] == 4096 for e in woken)


def test_every_event_shows_the_bytes_its_calls_left_queued(fs: ForkServer) -> None:
    """Exact at every step: the receiving queue holds what the sends so far put in minus what
    the recvs so far took, even at a recv that woke the blocked send (whose own return, and
    bytes, come in the next event)."""
    events = finished(fs, "socket-full", {"total": 64 * 4096, "reader_delay_ms": 1000})
    receiver = next(e for e in calls(events) if e["call"] == "recv")["pid"]
    queued = 0
    for e in events:
        if e["type"] == "call.return" and e["call"] in ("send", "recv") and e["ret"] > 0:
            queued += e["ret"] if e["call"] == "send" else -e["ret"]
        rows = [r for p in e["state"]["procs"] if p["pid"] == receiver for r in p["fds"]]
        sock = next((r["socket"] for r in rows if r["fd"] == 4 and r["socket"]), None)
        shown = next((s["bytes"] for s in e["state"]["sockets"] if s["id"] == sock), None)
        if shown is not None and e["seq"] > 5:
            assert shown == queued, (e["seq"], e["type"], e.get("call"), shown, queued)


def test_a_passed_fd_is_in_flight_then_held_by_the_receiver(fs: ForkServer) -> None:
    events = finished(fs, "pass-an-fd")
    sent = next(e for e in calls(events) if e["call"] == "sendmsg")
    pipe = sent["args"]["rights_targets"][0]
    assert pipe.startswith("pipe:[")
    parent = sent["pid"]
    closed = next(
        e
        for e in calls(events)
        if e["call"] == "close" and e["pid"] == parent and e["seq"] > sent["seq"]
    )
    # After the parent's close, no process holds the read end: it is in flight.
    holders = [r for p in closed["state"]["procs"] for r in p["fds"] if r["target"] == pipe]
    assert [r["end"] for r in holders] == ["write"]
    flying = [s for s in closed["state"]["sockets"] if s["in_flight"]]
    assert [s["in_flight"] for s in flying] == [[{"target": pipe}]]
    # Once the parent closes its write end too, no fd table holds the pipe at all; the kernel
    # keeps it, and the state keeps its row (it is not freed).
    last_close = next(
        e
        for e in calls(events)
        if e["call"] == "close" and e["pid"] == parent and e["seq"] > closed["seq"]
    )
    assert not [r for p in last_close["state"]["procs"] for r in p["fds"] if r["target"] == pipe]
    assert pipe in [p["id"] for p in last_close["state"]["pipes"]]
    assert not any(e["state"]["gone"]["pipes"] for e in events if e["seq"] <= last_close["seq"])
    got = next(e for e in calls(events) if e["call"] == "recvmsg")
    assert got["pid"] != parent and got["args"]["received_targets"] == [pipe]
    new_fd = got["args"]["received"][0]
    row = next(r for r in proc_of(got, got["pid"])["fds"] if r["fd"] == new_fd)
    assert (row["target"], row["end"]) == (pipe, "read")
    assert all(not s["in_flight"] for s in got["state"]["sockets"])
    read = next(e for e in calls(events) if e["call"] == "read" and e["pid"] == got["pid"])
    assert read["data"] == "sent through a passed fd\\n"


def test_the_backlog_holds_a_connection_until_accept(fs: ForkServer) -> None:
    events = finished(fs, "listen-accept")
    connect = next(e for e in calls(events) if e["call"] == "connect")
    assert connect["ret"] == 0
    client = socket_of(connect, connect["pid"], connect["args"]["fd"])
    listener = next(s for s in connect["state"]["sockets"] if s["state"] == "listening")
    assert listener["path"] == "server.sock" and listener["max_backlog"] == 5
    assert listener["backlog"] == [client["id"]]
    assert client["state"] == "connected" and client["peer"] is None  # held by no process yet
    accept = next(e for e in calls(events) if e["call"] == "accept")
    listener = next(s for s in accept["state"]["sockets"] if s["state"] == "listening")
    assert listener["backlog"] == []
    conn = socket_of(accept, accept["pid"], accept["ret"])
    assert conn["path"] == "server.sock" and conn["bytes"] == 14  # what the client sent
    got = next(e for e in recvs(events) if e["pid"] == accept["pid"])
    assert got["data"] == "hello, server\\n"

"""The live stream: step mode over the socket, late and several viewers, bad messages,
slow viewers, and who may open it."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from service_client import Client, check_hello_pipe
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.schemas import flood_program


def waiting(event: dict[str, Any]) -> list[int]:
    """Pids that wait to be let go, in the state after event."""
    return [p["pid"] for p in event["state"]["procs"] if p["next"] is not None]


def test_step_mode_driven_over_the_socket(api: Client) -> None:
    run = api.start(scenario="hello-pipe", mode="step")
    events: list[dict[str, Any]] = []
    steps = 0
    with api.watch(run) as viewer:
        last = viewer.until(lambda e: e["type"] == "proc.start", events)
        named_child = False
        while last["type"] != "run.end":
            # Each step lets exactly one process into one call: the one we name. The first
            # time both wait, name the child, which live mode would let go second.
            pid = waiting(last)[0]
            if len(waiting(last)) == 2 and not named_child:
                pid, named_child = waiting(last)[1], True
            viewer.send({"op": "step", "pid": pid})
            steps += 1
            enter = viewer.until(lambda e: e["type"] == "call.enter", events)
            assert enter["pid"] == pid
            last = viewer.until(lambda e: bool(waiting(e)) or e["type"] == "run.end", events)
    check_hello_pipe(events)
    assert named_child and steps == sum(e["type"] == "call.enter" for e in events)
    assert events[0]["mode"] == "step"


def test_a_late_viewer_gets_the_whole_run(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    api.wait_ended(run["id"])
    with api.watch(run) as viewer:
        events = viewer.rest()
        # It was behind by the whole run, so the events came in batches, not one by one.
        assert viewer.messages < len(events)
    check_hello_pipe(events)
    assert events == api.events(run["id"])


def test_several_viewers_see_the_same_run(api: Client) -> None:
    run = api.start(scenario="eof", mode="step")
    with api.watch(run) as one, api.watch(run) as two:
        assert api.run(run["id"])["counts"]["viewers"] == 2
        one.send({"op": "play", "interval_ms": 0})
        seen_one, seen_two = one.rest(), two.rest()
    assert seen_one == seen_two
    assert seen_one[-1]["reason"] == "exited"


def test_a_bad_message_gets_an_error_and_the_run_goes_on(api: Client) -> None:
    run = api.start(scenario="hello-pipe", mode="step")
    events: list[dict[str, Any]] = []
    with api.watch(run) as viewer:
        viewer.until(lambda e: e["type"] == "proc.start", events)
        bad = [
            ("not json", None, "not JSON"),
            (json.dumps([1, 2]), None, ""),
            (json.dumps({"op": "jump"}), "op", "'step', 'play', 'pause', 'kill'"),
            (json.dumps({"op": "play", "interval_ms": -5}), "interval_ms", "greater than"),
            (json.dumps({"op": "step", "pid": "first"}), "pid", "integer"),
            (json.dumps({"op": "step", "pid": 1}), "pid", "not a process of this run"),
            (json.dumps({"op": "pause", "now": True}), "now", "Extra"),
        ]
        for text, field, words in bad:
            viewer.send(text)
            reply = viewer.next()
            assert set(reply) == {"error", "field"}, reply
            assert reply["field"] == field, (text, reply)
            assert words in reply["error"], (text, reply)
        viewer.send(b"\x00binary")
        assert "JSON text" in viewer.next()["error"]
        viewer.send({"op": "play", "interval_ms": 0})
        events += viewer.rest()
    check_hello_pipe(events)


def test_a_viewer_that_reads_nothing_holds_up_neither_run_nor_others(api: Client) -> None:
    run = api.start(program=flood_program(300), mode="step")
    with api.watch(run) as stalled, api.watch(run) as keen:
        keen.send({"op": "play"})
        # The keen viewer gets the whole run while the other has read nothing at all.
        seen_keen = keen.rest()
        assert seen_keen[-1]["reason"] == "exited"
        assert api.run(run["id"])["status"] == "ended"
        seen_stalled = stalled.rest()
    assert seen_stalled == seen_keen == api.events(run["id"])
    writes = [e for e in seen_keen if e["type"] == "call.return" and e["call"] == "write"]
    assert len(writes) == 300


def test_a_viewer_whose_socket_fills_goes_on_where_it_stopped(api: Client) -> None:
    # A viewer at the head is handed each event as it comes (app/runs/fanout.py); one whose
    # socket is full (a window of a few KiB, nothing read, nothing compressed) cannot take
    # more, and its own task sends from its cursor once it reads again: no event twice,
    # none lost, in order.
    run = api.start(program=flood_program(300), mode="step")
    host, port = api.url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    with api.watch(run) as keen, api.watch(run, sock=sock, compression=None) as full:
        first = full.next()
        keen.send({"op": "play"})
        assert keen.rest()[-1]["reason"] == "exited"
        seen_full = [first, *full.rest()]
    assert seen_full == api.events(run["id"])
    assert len(seen_full) > 600


def test_an_unknown_run_is_said_and_closed(api: Client) -> None:
    with api.watch({"ws": "/ws/runs/nope"}) as viewer:
        assert "no run 'nope'" in viewer.next()["error"]
        with pytest.raises(ConnectionClosed) as closed:
            viewer.ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


def test_a_page_from_another_origin_may_not_open_it(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    with pytest.raises(InvalidStatus) as refused, api.watch(run, origin="http://evil.example"):
        pass
    assert refused.value.response.status_code == 403
    host = api.url.removeprefix("http://")
    with api.watch(run, origin=f"http://{host}") as viewer:
        assert viewer.rest()[-1]["type"] == "run.end"


def test_configured_origins_may_open_it(start_server: Any) -> None:
    with start_server(allowed_origins="http://good.example, https://also.example") as srv:
        client = Client(srv.url)
        run = client.start(scenario="hello-pipe")
        for origin in ("http://good.example", "https://also.example"):
            with client.watch(run, origin=origin) as viewer:
                assert viewer.rest()[-1]["type"] == "run.end"
        with pytest.raises(InvalidStatus), client.watch(run, origin="http://evil.example"):
            pass
        client.http.close()

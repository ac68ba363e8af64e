"""Traced programs through the service, as a page gets them: REST, WebSocket, the catalog."""

from __future__ import annotations

from pydantic import TypeAdapter
from service_client import Client
from terminal import terminal_text

from app.events import Event

EVENTS = TypeAdapter(list[Event])


def test_traced_programs_are_listed_beside_the_scenarios(api: Client) -> None:
    listed = {s["name"]: s for s in api.http.get("/api/scenarios").json()}
    assert listed["trace-hello-pipe"]["backend"] == "strace"
    assert listed["hello-pipe"]["backend"] == "runner"
    command = next(p for p in listed["trace-pipeline"]["params"] if p["name"] == "command")
    assert (command["type"], command["default"]) == ("str", "ls | wc -l")
    detail = api.http.get("/api/scenarios/trace-yes-head").json()
    assert "$ yes | head -n 3" in detail["source"] and "execvp(" in detail["source"]


def test_a_pipeline_over_rest_and_websocket(api: Client) -> None:
    run = api.start(scenario="trace-pipeline", params={"command": "echo hi | cat"})
    with api.watch(run) as viewer:
        events = viewer.rest()
    EVENTS.validate_python(events)
    assert events[0]["backend"] == "strace" and events[-1]["reason"] == "exited"
    assert terminal_text(events) == "hi\n"
    assert [p["name"] for p in events[-1]["state"]["procs"]] == ["shell", "echo", "cat"]


def test_a_command_outside_the_allowlist_is_refused_naming_the_field(api: Client) -> None:
    for command in ("ls | sh", "cat /etc/passwd; sh", "ls .."):
        reply = api.http.post(
            "/api/runs", json={"scenario": "trace-pipeline", "params": {"command": command}}
        )
        assert reply.status_code == 422, command
        assert "command" in str(reply.json()), command

"""Every scenario, runner and traced alike, runs over REST and the WebSocket to its end."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter
from service_client import Client, wait_gone

from app.events import Event
from app.scenarios import catalog

EVENTS = TypeAdapter(list[Event])
TIMES_OUT = {"forgot-close", "trace-forgot-close"}  # its lesson is that it never ends
# The calls that make each chapter's kernel object: every scenario makes one.


@pytest.mark.parametrize("name", [s.name for s in catalog.all_scenarios()])
def test_each_scenario_runs_to_its_end_over_the_websocket(api: Client, name: str) -> None:
    run = api.start(scenario=name)
    with api.watch(run) as viewer:
        events = viewer.rest()
    EVENTS.validate_python(events)
    end = events[-1]
    assert end["type"] == "run.end"
    assert end["reason"] == ("timeout" if name in TIMES_OUT else "exited"), end["message"]
    assert [e["seq"] for e in events] == list(range(len(events)))
    # Each chapter's object is in the kernel at some step: a pipe, a FIFO (a pipe row too),
    # a mapping.
    scenario = catalog.get(name)
    assert scenario is not None
    assert any(e["type"] == "call.return" for e in events)
    if scenario.chapter in ("pipe", "fifo", "shell"):
        kinds = {p["kind"] for e in events for p in e["state"]["pipes"]}
        wanted = {"pipe": "pipe", "shell": "pipe"}.get(scenario.chapter, scenario.chapter)
        assert wanted in kinds, kinds
    if scenario.chapter == "shm":  # its kernel object is a mapping, not a pipe
        assert any(e["state"]["mappings"] for e in events)
    if scenario.chapter == "socket":
        assert any(e["state"]["sockets"] for e in events)
    pids = {p["pid"] for e in events for p in e["state"]["procs"]}
    assert wait_gone(pids) == set()

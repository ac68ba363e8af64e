"""A run's terminal: events carry only what they add, the server gives back any step's text,
and each run's recording is bounded in bytes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from service_client import Client, Server
from terminal import terminal_text

from app.runs.output import SCROLLBACK
from app.runs.recording import Recording, RecordingFull

YES = {"program": {"procs": {"p": [{"op": "exec", "argv": ["yes"]}]}}}


def output(api: Client, run_id: str, **params: Any) -> dict[str, Any]:
    response = api.http.get(f"/api/runs/{run_id}/output", params=params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_the_output_at_any_step_is_what_the_terminal_showed_then(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    with api.watch(run) as viewer:
        events = viewer.rest()
    assert terminal_text(events) == "hello pipe\n"
    assert output(api, run["id"]) == {"start": 0, "upto": 11, "text": "hello pipe\n"}
    for event in events:
        at = event["state"]["output_at"]
        assert output(api, run["id"], upto=at)["text"] == "hello pipe\n"[:at]
    assert output(api, run["id"], upto=6)["text"] == "hello "
    assert output(api, run["id"], upto=999)["upto"] == 11  # never past what was printed


def test_bad_output_queries_are_4xx_naming_the_field(api: Client) -> None:
    missing = api.http.get("/api/runs/nope/output")
    assert missing.status_code == 404 and "POST /api/runs" in missing.json()["error"]
    run = api.start(scenario="hello-pipe")
    api.wait_ended(run["id"])
    for bad in ("-1", "x"):
        response = api.http.get(f"/api/runs/{run['id']}/output", params={"upto": bad})
        assert response.status_code == 422 and response.json()["field"] == "upto"


def test_a_yes_run_ends_at_its_recording_limit_and_its_tail_is_served(
    start_server: Callable[..., AbstractContextManager[Server]],
) -> None:
    with start_server(max_recording_mb=2) as srv:
        api = Client(srv.url)
        run = api.start(YES)
        assert run["limits"]["max_recording_mb"] == 2
        with api.watch(run) as viewer:
            events = viewer.rest()
        end = events[-1]
        assert end["reason"] == "limit" and "limit of 2 MB of recorded events" in end["message"]
        assert api.run(run["id"])["end"]["reason"] == "limit"
        printed = terminal_text(events)
        assert len(printed) > 1_000_000 and set(printed) == {"y", "\n"}
        # The terminal's last screenful, and a step's in the middle, as the page shows them.
        last = output(api, run["id"])
        assert last["upto"] == len(printed) and last["start"] == len(printed) - SCROLLBACK
        assert last["text"] == printed[-SCROLLBACK:]
        middle = events[len(events) // 2]["state"]["output_at"]
        assert output(api, run["id"], upto=middle)["text"] == printed[:middle][-SCROLLBACK:]
        api.http.close()


def test_the_recording_refuses_to_grow_past_its_bound() -> None:
    """The server's backstop, should a supervisor ever send more than its limit."""
    recording = Recording(max_size=100)
    recording.extend(["a" * 40, "b" * 40])
    with pytest.raises(RecordingFull, match="the run sent more than"):
        recording.extend(["c" * 15, "d" * 15])
    assert recording.lines == ["a" * 40, "b" * 40, "c" * 15]  # what fitted, in order
    recording.extend(["the run.end the server writes"], last=True)
    assert len(recording) == 4

"""An import trusts nothing: every way an export can be wrong is a 4xx naming the field,
never a 500, and the body may be larger than other requests' only up to its own cap."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from exports_runs import Exported
from service_client import Client

Change = Callable[[dict[str, Any]], Any]


def drop(key: str) -> Change:
    return lambda e: e["run"].pop(key)


def two_ends(e: dict[str, Any]) -> None:
    e["events"][-2] = {**e["events"][-1], "seq": e["events"][-2]["seq"]}


# What is wrong with an export, and the field the refusal names.
BAD: list[tuple[str, Change, str | None]] = [
    ("a list, not an export", lambda e: e.update(_list=True), None),
    ("another format", lambda e: e.update(format="chrome.trace"), "format"),
    ("a later version", lambda e: e.update(version=2), "version"),
    ("a key of its own", lambda e: e.update(comment="hi"), "comment"),
    ("no run metadata", lambda e: e.pop("run"), "run"),
    ("a run without its scenario", drop("scenario"), "run.scenario"),
    ("a run with no limits", lambda e: e["run"].pop("limits"), "run.limits"),
    (
        "a limit missing",
        lambda e: e["run"]["limits"].pop("max_recording_mb"),
        "run.limits.max_recording_mb",
    ),
    (
        "run metadata that run.start contradicts",
        lambda e: e["run"].update(scenario="eof"),
        "run.scenario",
    ),
    ("no events", lambda e: e.update(events=[]), "events"),
    ("events that are not a list", lambda e: e.update(events={"0": 1}), "events"),
    ("an event that is no object", lambda e: e["events"].__setitem__(3, 7), "events.3"),
    (
        "a ring that is no object",
        lambda e: e["events"][12]["state"]["pipes"][0].update(ring=5),
        "events.12.state.pipes.0.ring",
    ),
    ("a type no event has", lambda e: e["events"][3].update(type="call.teleport"), "events.3.type"),
    ("a field no event has", lambda e: e["events"][3].update(colour="red"), "events.3.colour"),
    ("a pid that is a string", lambda e: e["events"][3].update(pid="4711"), "events.3.pid"),
    (
        "a state without procs",
        lambda e: e["events"][4]["state"].pop("procs"),
        "events.4.state.procs",
    ),
    ("a gap in seq", lambda e: e["events"].pop(5), "events.5.seq"),
    ("time going back", lambda e: e["events"][6].update(t=-1.0), "events.6.t"),
    ("no run.start first", lambda e: e["events"].pop(0), "events.0.seq"),
    (
        "a run.start later on",
        lambda e: e["events"].__setitem__(
            2, {**e["events"][0], "seq": 2, "t": e["events"][2]["t"]}
        ),
        "events.2.type",
    ),
    (
        "a source on a run that is no pasted program's",
        lambda e: e["run"].update(source="int main(void) { return 0; }\n"),
        "run.source",
    ),
    ("a source that is no string", lambda e: e["run"].update(source=["int main"]), "run.source"),
    ("cut short: no run.end", lambda e: e["events"].pop(), "events.{before_end}.type"),
    ("two run.ends", two_ends, "events.{before_end}.type"),
]


@pytest.mark.parametrize(("why", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_export_is_refused_naming_the_field(
    api: Client, exported: dict[str, Exported], why: str, change: Change, field: str | None
) -> None:
    export = copy.deepcopy(exported["hello-pipe"].json)
    change(export)
    body = [export] if export.pop("_list", False) else export
    before_end = len(exported["hello-pipe"].json["events"]) - 2  # the event before run.end
    field = field and field.format(before_end=before_end)
    response = api.http.post("/api/runs/import", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field, response.text
    assert response.json()["error"]


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"\xff\xfe not utf-8", b"[" * 100_000 + b"]" * 100_000, b'{"events": ' * 50_000],
    ids=["empty", "cut JSON", "not UTF-8", "nested too deep", "objects nested too deep"],
)
def test_a_body_that_is_no_json_is_refused_not_a_500(api: Client, body: bytes) -> None:
    response = api.http.post(
        "/api/runs/import", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "not a JSON export" in response.json()["error"]


def test_an_import_past_the_servers_events_limit_is_refused(
    start_server: Any, exported: dict[str, Exported]
) -> None:
    with start_server(max_events=10) as srv:
        response = httpx.post(srv.url + "/api/runs/import", json=exported["hello-pipe"].json)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "events"
    assert "PIPESCOPE_MAX_EVENTS" in response.json()["error"]


def test_the_import_alone_may_pass_the_body_cap_and_only_up_to_its_own(start_server: Any) -> None:
    """With PIPESCOPE_MAX_IMPORT_MB=1: 900 KB reach the import (which says it is no export)
    but not POST /api/runs (64 KiB); past 1 MB the import is refused before it is read, by
    its length or, sent in chunks, as soon as it grows past it."""
    json_type = {"content-type": "application/json"}
    under = b'{"pad": "' + b"x" * 900_000 + b'"}'
    over = b'{"pad": "' + b"x" * (1 << 20) + b'"}'

    def chunks(data: bytes) -> Any:
        for i in range(0, len(data), 1 << 16):
            yield data[i : i + (1 << 16)]

    with start_server(max_import_mb=1) as srv, httpx.Client(base_url=srv.url) as http:
        passed = http.post("/api/runs/import", content=under, headers=json_type)
        assert passed.status_code == 422 and passed.json()["field"] == "pad", passed.text
        other = http.post("/api/runs", content=under, headers=json_type)
        assert other.status_code == 413 and "PIPESCOPE_MAX_BODY_KB" in other.text, other.text
        too_big = http.post("/api/runs/import", content=over, headers=json_type)
        assert too_big.status_code == 413, too_big.text
        assert "PIPESCOPE_MAX_IMPORT_MB" in too_big.json()["error"]
        streamed = http.post("/api/runs/import", content=chunks(over), headers=json_type)
        assert streamed.status_code == 413, streamed.text
        assert "PIPESCOPE_MAX_IMPORT_MB" in streamed.json()["error"]
        # The cap is for POST to that path only.
        put = http.put("/api/runs/import", content=under, headers=json_type)
        assert put.status_code == 413, put.text


def test_the_import_is_json_only(api: Client, exported: dict[str, Exported]) -> None:
    text = json.dumps(exported["hello-pipe"].json)
    response = api.http.post(
        "/api/runs/import", content=text, headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415, response.text

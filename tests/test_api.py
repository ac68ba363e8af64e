"""The REST API against a real server and real processes: scenarios, runs, errors."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter
from service_client import Client, check_hello_pipe

from app.events import Event
from app.schemas import flood_program

EVENTS = TypeAdapter(list[Event])


def test_hello_pipe_over_rest_and_websocket(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    assert run["ws"] == f"/ws/runs/{run['id']}"
    assert run["scenario"] == "hello-pipe" and run["mode"] == "live"
    with api.watch(run) as viewer:
        events = viewer.rest()
    check_hello_pipe(events)
    EVENTS.validate_python(events)  # the contract of docs/events.md, field for field
    assert events[0]["run"] == run["id"]

    # REST tells the same story: the run, its events, and the state at any event.
    assert api.events(run["id"]) == events
    assert api.events(run["id"], after=20) == events[21:]
    info = api.wait_ended(run["id"])
    assert info["end"] == {"reason": "exited", "message": events[-1]["message"]}
    assert info["counts"]["events"] == len(events)
    assert info["counts"]["procs"] == 2 and info["counts"]["live_procs"] == 0
    for seq in (3, len(events) - 1):
        state = api.http.get(f"/api/runs/{run['id']}/state", params={"seq": seq}).json()
        assert state == events[seq]["state"]


def test_scenarios_are_listed_with_params_and_source(api: Client) -> None:
    listed = api.http.get("/api/scenarios").json()
    names = [s["name"] for s in listed]
    assert {"hello-pipe", "eof", "forgot-close", "sigpipe"} <= set(names)
    detail = api.http.get("/api/scenarios/sigpipe").json()
    assert "signal" in detail["source"] and detail["program"]["procs"]
    assert detail["params"][0]["name"] == "ignore_sigpipe"
    assert detail["params"][0]["type"] == "bool"
    missing = api.http.get("/api/scenarios/no-such-thing")
    assert missing.status_code == 404
    assert "hello-pipe" in missing.json()["error"]  # it says what there is instead


def test_a_composed_program_runs_as_custom(api: Client) -> None:
    program = flood_program(writes=1, size=3)
    run = api.start(program=program)
    assert run["scenario"] == "custom"
    with api.watch(run) as viewer:
        events = viewer.rest()
    assert events[0]["scenario"] == "custom" and events[-1]["reason"] == "exited"
    reads = [e["ret"] for e in events if e["type"] == "call.return" and e["call"] == "read"]
    assert reads == [3, 0]  # the bytes, then EOF once the last writer closed


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "scenario"),
        ({"scenario": "no-such-thing"}, "scenario"),
        ({"scenario": "hello-pipe", "mode": "fast"}, "mode"),
        ({"scenario": "hello-pipe", "colour": "red"}, "colour"),
        ({"scenario": "sigpipe", "params": {"ignore_sigpipe": "maybe"}}, "params.ignore_sigpipe"),
        ({"scenario": "sigpipe", "params": {"volume": 11}}, "params.volume"),
        ({"scenario": "hello-pipe", "program": {"procs": {"p": []}}}, "scenario"),
        ({"program": {"procs": {"p": [{"op": "write", "fd": "p[1]"}]}}}, "program.procs.p.0.write"),
        (
            {"program": {"procs": {"p": [{"op": "exec", "argv": ["rm", "-rf"]}]}}},
            "program.procs.p.0.exec.argv.0",
        ),
        (
            {"program": {"procs": {"p": [{"op": "kill", "to": "q", "signal": "SIGNOPE"}]}}},
            "program.procs.p.0.kill.signal",
        ),
        (
            {
                "program": {
                    "procs": {"p": [{"op": "kill", "to": "q", "signal": "SIGUSR1", "pid": -1}]}
                }
            },
            "program.procs.p.0.kill.pid",
        ),
        (
            {
                "program": {
                    "procs": {"p": [{"op": "sigaction", "signal": "SIGKILL", "handler": "handler"}]}
                }
            },
            "program.procs.p.0.sigaction.signal",
        ),
        (
            {
                "program": {
                    "procs": {"p": [{"op": "sigprocmask", "how": "SIG_BLOCK", "signals": ["USR1"]}]}
                }
            },
            "program.procs.p.0.sigprocmask.signals",
        ),
    ],
)
def test_an_invalid_body_gets_422_naming_the_field(
    api: Client, body: dict[str, Any], field: str
) -> None:
    response = api.http.post("/api/runs", json=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["field"] == field, error
    assert error["error"] and error["detail"][0]["loc"][0] == "body"


def test_a_body_that_is_not_json_gets_422(api: Client) -> None:
    response = api.http.post(
        "/api/runs", content=b"{scenario", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/runs/nope"),
        ("GET", "/api/runs/nope/events"),
        ("GET", "/api/runs/nope/state"),
        ("POST", "/api/runs/nope/step"),
        ("POST", "/api/runs/nope/play"),
        ("POST", "/api/runs/nope/pause"),
        ("DELETE", "/api/runs/nope"),
    ],
)
def test_an_unknown_run_is_404(api: Client, method: str, path: str) -> None:
    response = api.http.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == 404
    assert "POST /api/runs" in response.json()["error"]


def test_bad_query_values_are_422_not_500(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    api.wait_ended(run["id"])
    base = f"/api/runs/{run['id']}"
    assert api.http.get(base + "/events", params={"after": "x"}).json()["field"] == "after"
    assert api.http.get(base + "/state", params={"seq": -1}).status_code == 422
    beyond = api.http.get(base + "/state", params={"seq": 10_000})
    assert beyond.status_code == 404 and "seq 10000" in beyond.json()["error"]
    assert api.control(run, "play", {"interval_ms": "soon"}).status_code == 422


def test_steps_over_rest_and_409s_a_user_can_act_on(api: Client) -> None:
    """A child blocked reading an empty pipe cannot be stepped; the answer says so."""
    program = {
        "procs": {
            "parent": [
                {"op": "pipe", "name": "p"},
                {"op": "fork", "child": "child"},
                {"op": "wait"},
            ],
            "child": [{"op": "read", "fd": "p[0]", "count": 8}],
        }
    }
    run = api.start(program=program, mode="step")
    rid = run["id"]
    api.wait_for(rid, lambda e: e["type"] == "proc.start")
    assert api.control(run, "step").status_code == 202  # pipe
    api.wait_for(rid, lambda e: e["type"] == "call.return" and e["call"] == "pipe")
    assert api.control(run, "step").status_code == 202  # fork
    events = api.wait_for(rid, lambda e: e["type"] == "proc.start" and e["role"] == "child")
    child = events[-1]["pid"]
    parent = events[1]["pid"]

    assert api.control(run, "step", {"pid": child}).status_code == 202  # its read blocks
    api.wait_for(rid, lambda e: e["type"] == "call.block")
    refused = api.control(run, "step", {"pid": child})
    assert refused.status_code == 409
    error = refused.json()
    assert error["field"] == "pid"
    assert f"pid {child} (child) is blocked in read on pipe:[" in error["error"]
    assert f"step pid {parent} (parent)" in error["error"]  # who can go instead

    stranger = api.control(run, "step", {"pid": 1})
    assert stranger.status_code == 409 and "not a process of this run" in stranger.json()["error"]

    killed = api.control(run, "kill")
    assert killed.status_code == 202
    info = api.wait_ended(rid)
    assert info["end"]["reason"] == "killed"
    assert set(api.events(rid)[-1]["killed"]) == {parent, child}
    after = api.control(run, "step")
    assert after.status_code == 409 and "has ended (killed)" in after.json()["error"]


def test_openapi_documents_every_model_with_an_example(api: Client) -> None:
    schema = api.http.get("/openapi.json").json()
    assert {"/api/runs", "/api/runs/{run_id}/events", "/healthz"} <= set(schema["paths"])
    for name in ("RunCreate", "RunInfo", "ErrorBody", "ScenarioDetail", "StepOp", "PlayOp"):
        assert schema["components"]["schemas"][name].get("examples"), name
    assert api.http.get("/docs").status_code == 200


def test_events_come_in_pages_that_say_where_the_next_one_is(api: Client) -> None:
    """A page of events that is not the last says so (Link, rel="next", as GitHub's API
    does); following the links gives every event once, in order, ending with run.end."""
    run = api.start(scenario="hello-pipe")
    ended = api.wait_ended(run["id"])
    total = ended["counts"]["events"]
    url: str | None = f"/api/runs/{run['id']}/events?limit=7"
    seen: list[dict[str, Any]] = []
    while url is not None:
        response = api.http.get(url)
        assert response.status_code == 200
        page = response.json()
        assert 1 <= len(page) <= 7
        seen += page
        url = response.links.get("next", {}).get("url")
        assert (url is None) == (len(seen) == total), (url, len(seen), total)
    assert [e["seq"] for e in seen] == list(range(total))
    assert seen[-1]["type"] == "run.end"
    whole = api.http.get(f"/api/runs/{run['id']}/events")
    assert "link" not in whole.headers and len(whole.json()) == total


def test_an_unknown_page_is_a_page_and_an_unknown_api_path_is_json(api: Client) -> None:
    for path, lang, said in (
        ("/run/no-such-scenario", "en", "Page not found"),
        ("/no/such/page?lang=zh", "zh", "找不到这个页面"),
    ):
        page = api.http.get(path, headers={"accept": "text/html,*/*;q=0.8"})
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert said in page.text and 'href="/"' in page.text, lang
    for path in ("/api/runs/nope/events", "/api/nothing-here", "/run/no-such-scenario"):
        answer = api.http.get(path)  # a script asks for JSON (or for anything)
        assert answer.status_code == 404
        assert set(answer.json()) >= {"error", "field"}, path

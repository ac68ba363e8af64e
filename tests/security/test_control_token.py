"""Whoever starts a run controls it: step, play, pause and kill need the run's control token,
over REST and the WebSocket; anyone with the run's id may watch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from service_client import Client

STEP_RUN = {"scenario": "hello-pipe", "mode": "step"}


def not_moved(api: Client, run: dict[str, Any]) -> None:
    """The run is still alive and no process was let into a call."""
    assert api.run(run["id"])["status"] == "running"
    assert not [e for e in api.events(run["id"]) if e["type"] == "call.enter"]


def test_the_token_is_given_once_and_is_long(api: Client) -> None:
    one, two = api.start(**STEP_RUN), api.start(**STEP_RUN)
    assert one["control_token"] != two["control_token"]
    assert len(one["control_token"]) >= 22  # 128 bits of URL-safe base64, at least
    info = api.http.get(f"/api/runs/{one['id']}").json()
    assert "control_token" not in info and one["control_token"] not in str(info)
    for run in (one, two):
        assert api.control(run, "kill").status_code == 202


@pytest.mark.parametrize("op", ["step", "play", "pause", "kill"])
def test_rest_control_without_the_token_is_401_and_with_a_wrong_one_403(
    api: Client, op: str
) -> None:
    run, other = api.start(**STEP_RUN), api.start(**STEP_RUN)
    api.wait_for(run["id"], lambda e: e["type"] == "proc.start")
    method = "DELETE" if op == "kill" else "POST"
    path = f"/api/runs/{run['id']}" + ("" if op == "kill" else f"/{op}")

    def send(headers: dict[str, str]) -> httpx.Response:
        body = None if op == "kill" else {}
        return api.http.request(method, path, json=body, headers=headers)

    missing = send({})
    assert missing.status_code == 401, missing.text
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json()["field"] == "Authorization"
    assert "Authorization: Bearer" in missing.json()["error"]
    for unusable in (f"Basic {run['control_token']}", "Bearer", run["control_token"]):
        assert send({"authorization": unusable}).status_code == 401, unusable  # not a bearer
    for wrong in (f"Bearer {other['control_token']}", f"Bearer {run['control_token'][:-1]}"):
        refused = send({"authorization": wrong})
        assert refused.status_code == 403, (wrong, refused.text)
        assert refused.json()["field"] == "Authorization"
        assert "only whoever started it" in refused.json()["error"]
    not_moved(api, run)
    assert api.control(run, op).status_code == 202  # the right one works
    for r in (run, other):
        api.control(r, "kill")


def test_anyone_with_the_id_may_watch(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    stranger = Client(api.url)
    stranger_run = {"id": run["id"], "ws": run["ws"]}  # the id alone, no token
    assert stranger.run(run["id"])["id"] == run["id"]
    with stranger.watch(stranger_run) as viewer:
        events = viewer.rest()
    assert events == stranger.events(run["id"])
    last = len(events) - 1
    assert (
        stranger.http.get(f"/api/runs/{run['id']}/state", params={"seq": last}).status_code == 200
    )
    stranger.http.close()


def test_a_websocket_viewer_without_the_token_may_not_control(api: Client) -> None:
    run = api.start(**STEP_RUN)
    with api.watch(run, auth=False) as viewer:
        viewer.until(lambda e: e["type"] == "proc.start")
        for op in ({"op": "step"}, {"op": "play"}, {"op": "pause"}, {"op": "kill"}):
            viewer.send(op)
            reply = viewer.next()
            assert reply["field"] == "token", reply
            assert '"op": "auth"' in reply["error"]
        for token in ("guess", run["control_token"] + "x", ""):
            viewer.send({"op": "auth", "token": token})
            assert viewer.next()["field"] == "token"
            viewer.send({"op": "step"})
            assert viewer.next()["field"] == "token"  # still not
        not_moved(api, run)
        viewer.send({"op": "auth", "token": run["control_token"]})
        viewer.send({"op": "play", "interval_ms": 0})  # the same socket, now the owner's
        assert viewer.rest()[-1]["reason"] == "exited"


def test_a_wrong_token_after_the_right_one_takes_control_away(api: Client) -> None:
    run = api.start(**STEP_RUN)
    with api.watch(run) as viewer:  # sent the right token
        viewer.until(lambda e: e["type"] == "proc.start")
        viewer.send({"op": "auth", "token": "nope"})
        assert viewer.next()["field"] == "token"
        viewer.send({"op": "kill"})
        assert viewer.next()["field"] == "token"
    assert api.control(run, "kill").status_code == 202

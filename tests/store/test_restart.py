"""Every finished run survives a restart: a server runs several scenarios, live and step,
is stopped with SIGTERM and started again on the same data directory, and every run's events,
states, terminal text and WebSocket stream come back as they were, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service_client import Client

LIVE = [
    {"scenario": "hello-pipe"},
    {"scenario": "full-buffer", "params": {"total": 65536, "reader_delay_ms": 0}},
    {"scenario": "sigpipe"},
    {"scenario": "shell-pipeline"},
    {"scenario": "trace-hello-pipe"},
]


def seen(api: Client, run_id: str) -> dict[str, Any]:
    """Everything a viewer can read of a run, as the server sends it."""
    events = api.http.get(f"/api/runs/{run_id}/events", params={"limit": 5000})
    assert events.status_code == 200, events.text
    parsed = events.json()
    middle = parsed[len(parsed) // 2]
    info = api.run(run_id)
    return {
        "events": events.text,  # the JSON text itself: the same bytes, not just equal objects
        "info": {k: v for k, v in info.items() if k != "counts"} | {"counts": info["counts"]},
        "state": api.http.get(f"/api/runs/{run_id}/state", params={"seq": middle["seq"]}).text,
        "latest": api.http.get(f"/api/runs/{run_id}/state").text,
        "output": api.http.get(f"/api/runs/{run_id}/output").text,
        "output_mid": api.http.get(
            f"/api/runs/{run_id}/output", params={"upto": middle["state"]["output_at"]}
        ).text,
    }


def streamed(api: Client, run: dict[str, Any]) -> list[dict[str, Any]]:
    with api.watch({"id": run["id"], "ws": run["ws"]}, auth=False) as viewer:
        return viewer.rest()


def test_every_run_comes_back_after_a_restart(kept_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with kept_server(data) as first:
        api = Client(first.url)
        runs = [api.start(body) for body in LIVE]
        stepped = api.start(scenario="hello-pipe", mode="step")
        for _ in range(3):
            assert api.control(stepped, "step").status_code == 202
        api.wait_for(stepped["id"], lambda e: e["type"] == "call.return" and e["call"] == "fork")
        before = {}
        for run in runs:
            api.wait_ended(run["id"])
            before[run["id"]] = seen(api, run["id"])
        stepped_events = api.events(stepped["id"])
        ws_before = streamed(api, runs[0])
    # SIGTERM: the step-mode run is ended by the stop ("shutdown"), and every write done.
    assert "Application shutdown complete" in first.log_text()
    assert (data / "runs.sqlite3").exists()

    with kept_server(data) as second:
        again = Client(second.url)
        for run in runs:
            after = seen(again, run["id"])
            assert after == before[run["id"]], run
            assert after["info"]["counts"]["viewers"] == 0
        assert streamed(again, runs[0]) == ws_before == json.loads(before[runs[0]["id"]]["events"])
        # The run that was waiting for a step when the server stopped: its events as they
        # were, and the end the stop gave it.
        kept = again.events(stepped["id"])
        assert kept[:-1] == [e for e in stepped_events if e["type"] != "run.end"]
        assert kept[-1]["type"] == "run.end" and kept[-1]["reason"] == "shutdown"
        assert again.run(stepped["id"])["status"] == "ended"
        # Nothing to control in a stored run: it has ended.
        refused = again.control(stepped, "step")
        assert refused.status_code == 409 and "has ended" in refused.json()["error"]
        # Its own page, at a step.
        page = again.http.get(f"/runs/{runs[0]['id']}?seq=5", headers={"accept": "text/html"})
        assert page.status_code == 200 and runs[0]["id"] in page.text
    assert "store" not in second.log_text(), second.log_text()  # nothing to say about it


def test_the_owner_deletes_a_finished_run_from_memory_and_store(
    kept_server: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with kept_server(data) as first:
        api = Client(first.url)
        mine, other, kept = (api.start(scenario="hello-pipe") for _ in range(3))
        for run in (mine, other, kept):
            api.wait_ended(run["id"])
        wrong = {**mine, "control_token": other["control_token"]}
        assert api.control(wrong, "kill").status_code == 403
        assert api.http.delete(f"/api/runs/{mine['id']}").status_code == 401
        assert api.control(mine, "kill").status_code == 204
        for path in ("", "/events", "/state", "/output"):
            assert api.http.get(f"/api/runs/{mine['id']}{path}").status_code == 404, path
    with kept_server(data) as second:
        again = Client(second.url)
        assert again.http.get(f"/api/runs/{mine['id']}").status_code == 404
        assert again.run(other["id"])["status"] == "ended"
        # A stored run, read back from the store alone, is deleted by its owner the same way.
        not_theirs = {**other, "control_token": kept["control_token"]}
        assert again.control(not_theirs, "kill").status_code == 403
        assert again.control(other, "kill").status_code == 204
        assert again.http.get(f"/api/runs/{other['id']}/events").status_code == 404
    with kept_server(data) as third:
        again = Client(third.url)
        assert again.http.get(f"/api/runs/{other['id']}").status_code == 404
        assert again.run(kept["id"])["status"] == "ended"


def test_run_ids_are_128_random_bits(api: Client) -> None:
    ids = {api.start(scenario="hello-pipe")["id"] for _ in range(3)}
    assert len(ids) == 3
    for run_id in ids:
        assert len(run_id) == 32 and int(run_id, 16) >= 0
        api.wait_ended(run_id)

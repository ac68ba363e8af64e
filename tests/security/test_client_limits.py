"""One client cannot take the whole server: runs and step-mode runs per client address, and
viewers per run, each refused with a message that says which limit and when to retry."""

from __future__ import annotations

from typing import Any

import pytest
from service_client import Client
from websockets.exceptions import ConnectionClosed


def test_runs_and_step_runs_per_client(start_server: Any) -> None:
    with start_server(max_runs_per_client=3, max_step_runs_per_client=1) as srv:
        client = Client(srv.url)
        first = client.start(scenario="hello-pipe", mode="step")
        step = client.http.post("/api/runs", json={"scenario": "hello-pipe", "mode": "step"})
        assert step.status_code == 429
        assert "1 step-mode runs" in step.json()["error"]
        assert "PIPESCOPE_MAX_STEP_RUNS_PER_CLIENT" in step.json()["error"]
        assert 1 <= int(step.headers["retry-after"]) <= 300  # when the step run ends by itself
        assert f"try again in {step.headers['retry-after']} s" in step.json()["error"]

        forgot = client.start(scenario="forgot-close")  # a live run: 2 s, never ends earlier
        client.start(scenario="forgot-close")
        live = client.http.post("/api/runs", json={"scenario": "forgot-close"})
        assert live.status_code == 429
        assert "3 runs running" in live.json()["error"]
        assert "PIPESCOPE_MAX_RUNS_PER_CLIENT" in live.json()["error"]
        assert int(live.headers["retry-after"]) <= 3  # forgot-close ends at its 2 s limit

        client.control(first, "kill")
        client.wait_ended(first["id"])
        client.wait_ended(forgot["id"])
        client.start(scenario="hello-pipe", mode="step")  # room again
        client.http.close()


def test_the_viewer_past_the_limit_is_told_and_closed_with_4429(start_server: Any) -> None:
    with start_server(max_viewers_per_run=2) as srv:
        client = Client(srv.url)
        run = client.start(scenario="hello-pipe", mode="step")
        with client.watch(run) as one, client.watch(run) as two:
            one.until(lambda e: e["type"] == "run.start")
            two.until(lambda e: e["type"] == "run.start")
            with client.watch(run) as third:
                reply = third.next()
                assert "has 2 viewers" in reply["error"], reply
                assert "PIPESCOPE_MAX_VIEWERS_PER_RUN" in reply["error"]
                with pytest.raises(ConnectionClosed) as closed:
                    third.next(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
            one.send({"op": "play", "interval_ms": 0})  # the two already in see it through
            assert one.rest()[-1]["reason"] == "exited"
            assert two.rest()[-1]["reason"] == "exited"
        client.http.close()

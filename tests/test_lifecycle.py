"""Runs are bounded and cleaned up: viewers leaving, too many runs, many runs in a row,
finished runs kept within bounds, and the server stopping."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_client import WAIT_S, Client, Server, serve, wait_gone

GRACE_S = 0.5


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A server of this module's own: counts of runs, fds and children are ours alone."""
    with serve(tmp_path_factory.mktemp("lifecycle"), viewer_grace_s=GRACE_S) as srv:
        client = Client(srv.url)
        client.server = srv  # type: ignore[attr-defined]
        yield client
        client.http.close()


def run_pids(client: Client, run: dict[str, Any]) -> set[int]:
    """The run's processes, and its supervisor (known once the fork server has answered)."""
    end = time.monotonic() + WAIT_S
    while (supervisor := client.run(run["id"])["supervisor"]) is None:
        assert time.monotonic() < end, "the fork server never said who the supervisor is"
        time.sleep(0.01)
    events = client.events(run["id"])
    return {p["pid"] for e in events for p in e["state"]["procs"]} | {supervisor}


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def wait_idle(client: Client) -> None:
    end = time.monotonic() + WAIT_S
    while client.http.get("/healthz").json()["runs"]:
        assert time.monotonic() < end, "runs are still alive"
        time.sleep(0.02)


def test_a_viewer_that_leaves_mid_run_leaves_no_process_behind(own: Client) -> None:
    run = own.start(scenario="hello-pipe", mode="step")
    events: list[dict[str, Any]] = []
    with own.watch(run) as viewer:
        viewer.until(lambda e: e["type"] == "proc.start", events)
        for _ in range(2):  # pipe, then fork: two processes hold the pipe
            viewer.send({"op": "step"})
            viewer.until(lambda e: e["type"] == "call.return", events)
        viewer.until(lambda e: e["type"] == "proc.start", events)
    pids = run_pids(own, run)
    assert len(pids) == 3  # parent, child, and the run's supervisor
    info = own.wait_ended(run["id"])
    assert info["end"]["reason"] == "viewer-left"
    end = own.events(run["id"])[-1]
    assert set(end["killed"]) == pids - {info["supervisor"]}
    assert wait_gone(pids) == set()


def test_a_run_with_no_viewer_yet_is_not_killed_for_it(own: Client) -> None:
    run = own.start(scenario="hello-pipe", mode="step")
    time.sleep(GRACE_S * 3)
    assert own.run(run["id"])["status"] == "running"
    assert own.control(run, "play").status_code == 202
    assert own.wait_ended(run["id"])["end"]["reason"] == "exited"


def test_the_ninth_run_at_once_gets_429(own: Client) -> None:
    wait_idle(own)
    runs = [own.start(scenario="hello-pipe", mode="step") for _ in range(8)]
    refused = own.http.post("/api/runs", json={"scenario": "hello-pipe"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "8 runs are already running" in refused.json()["error"]
    for run in runs:
        assert own.control(run, "kill").status_code == 202
    pids = set().union(*(run_pids(own, run) for run in runs))
    for run in runs:
        assert own.wait_ended(run["id"])["end"]["reason"] == "killed"
    assert wait_gone(pids) == set()
    wait_idle(own)
    own.start(scenario="hello-pipe")  # room again


def test_fifty_runs_leave_fds_and_children_where_they_were(own: Client) -> None:
    server: Server = own.server  # type: ignore[attr-defined]
    for _ in range(2):  # warm: first-use imports and pools are not leaks
        with own.watch(own.start(scenario="hello-pipe")) as viewer:
            viewer.rest()
    wait_idle(own)
    fds, kids = fd_count(server.pid), children(server.pid)
    for i in range(50):  # in a row: each ends before the next starts
        run = own.start(scenario="hello-pipe", mode="step" if i % 10 == 0 else "live")
        if i % 10 == 0:  # some are left by their viewer mid-run
            with own.watch(run) as viewer:
                viewer.until(lambda e: e["type"] == "proc.start", [])
        elif i % 2:
            with own.watch(run) as viewer:
                viewer.rest()
        own.wait_ended(run["id"])
    wait_idle(own)
    assert children(server.pid) == kids  # the fork server, and nothing else
    end = time.monotonic() + WAIT_S
    while fd_count(server.pid) != fds and time.monotonic() < end:
        time.sleep(0.05)  # sockets of closed connections close as the loop gets to them
    assert fd_count(server.pid) == fds


def three_runs_one_after_another(client: Client) -> list[str]:
    ids = []
    for _ in range(3):  # one after another: the first to end is the first forgotten
        ids.append(client.start(scenario="hello-pipe")["id"])
        client.wait_ended(ids[-1])
    return ids


def test_without_a_store_finished_runs_are_kept_within_bounds(
    start_server: Any, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")  # a data directory that cannot be made: no store
    with start_server(keep_finished=2, data_dir=tmp_path / "a-file") as srv:
        assert "in memory only" in srv.log_text()
        client = Client(srv.url)
        ids = three_runs_one_after_another(client)
        end = time.monotonic() + WAIT_S
        while client.http.get(f"/api/runs/{ids[0]}").status_code != 404:
            assert time.monotonic() < end, "the oldest finished run was kept"
            time.sleep(0.05)
        assert [client.run(i)["status"] for i in ids[1:]] == ["ended", "ended"]
        client.http.close()


def test_with_a_store_a_run_past_the_memory_bounds_is_read_back(start_server: Any) -> None:
    with start_server(keep_finished=2) as srv:
        client = Client(srv.url)
        ids = three_runs_one_after_another(client)
        time.sleep(1)  # sweeps of the janitor: the oldest has left memory by now
        assert [client.run(i)["status"] for i in ids] == ["ended"] * 3
        client.http.close()


def test_stopping_the_server_kills_and_reaps_every_run(start_server: Any) -> None:
    with start_server() as srv:
        client = Client(srv.url)
        runs = [client.start(scenario="hello-pipe", mode="step") for _ in range(3)]
        for run in runs:
            client.wait_for(run["id"], lambda e: e["type"] == "proc.start")
        pids = set().union(*(run_pids(client, run) for run in runs))
        pids |= children(srv.pid)  # the fork server
        client.http.close()
        with client.watch(runs[0]) as viewer:  # a viewer still watching does not hold it up
            viewer.until(lambda e: e["type"] == "proc.start", [])
            srv.proc.send_signal(signal.SIGTERM)
            # uvicorn shuts down gracefully, then dies of the signal it got, as services do
            assert srv.proc.wait(WAIT_S) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in srv.log_text()
        assert wait_gone(pids) == set()

"""The run store in PostgreSQL (PIPESCOPE_DATABASE_URL), against a real server of the test
session's own (conftest.py): runs survive a restart of pipescope; a database down when the
server starts, or lost while it serves, costs no run: one line in the log, the runs stay in
memory, and they are written once the database is back."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from postgres_server import Cluster, new_cluster
from service_client import WAIT_S, Client, check_hello_pipe
from test_restart import LIVE, seen

from app.store.pg_migrations import LATEST
from app.store.postgres import open_postgres

DB_WAIT_S = 60  # a lost database is asked again every few seconds, on a busy machine


def said(log: str) -> list[str]:
    return [line for line in log.splitlines() if "run store" in line]


def stored_ids(url: str) -> set[str]:
    """What the database holds, asked directly (nothing before pipescope made its tables)."""
    with psycopg.connect(url) as db:
        if db.execute("SELECT to_regclass('runs')").fetchone() == (None,):
            return set()
        return {row[0] for row in db.execute("SELECT id FROM runs")}


def until(what: Callable[[], bool], timeout: float = DB_WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "it did not happen"
        time.sleep(0.2)


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server of the test's own, made but not started: to start and stop it."""
    cluster = new_cluster()
    try:
        yield cluster
    finally:
        cluster.destroy()


def test_runs_survive_a_restart_in_postgres(
    kept_server: Any, tmp_path: Path, database_url: str
) -> None:
    with kept_server(tmp_path / "first", database_url=database_url) as first:
        api = Client(first.url)
        runs = [api.start(body) for body in LIVE[:3]]
        before = {}
        for run in runs:
            api.wait_ended(run["id"])
            before[run["id"]] = seen(api, run["id"])
    assert stored_ids(database_url) == set(before)
    # Another data directory: the runs come from the database alone, not a file.
    with kept_server(tmp_path / "second", database_url=database_url) as second:
        again = Client(second.url)
        for run in runs:
            assert seen(again, run["id"]) == before[run["id"]], run
        assert again.control(runs[0], "kill").status_code == 204  # deleted by its owner
        assert again.http.get(f"/api/runs/{runs[0]['id']}").status_code == 404
    assert said(second.log_text()) == []
    assert not (tmp_path / "first" / "runs.sqlite3").exists()
    assert stored_ids(database_url) == {run["id"] for run in runs[1:]}


def test_a_database_down_at_start(kept_server: Any, tmp_path: Path, own_cluster: Cluster) -> None:
    url = own_cluster.url()
    with kept_server(tmp_path / "data", database_url=url, store_retry_s=0.5) as server:
        [line] = said(server.log_text())
        assert "cannot be reached" in line and "stay in memory" in line, line
        assert f"127.0.0.1:{own_cluster.port}" in line
        api = Client(server.url)
        run_id = api.start(scenario="hello-pipe")["id"]
        api.wait_ended(run_id)
        check_hello_pipe(api.events(run_id))  # from memory
        own_cluster.start()
        until(lambda: run_id in stored_ids(url))
        [_, back] = said(server.log_text())
        assert "can be reached again" in back, back
        fresh = api.start(scenario="hello-pipe")["id"]
        api.wait_ended(fresh)
        until(lambda: fresh in stored_ids(url))
    with kept_server(tmp_path / "other", database_url=url) as again:
        api = Client(again.url)
        check_hello_pipe(api.events(run_id))
        check_hello_pipe(api.events(fresh))


def test_a_database_lost_while_serving(
    kept_server: Any, tmp_path: Path, own_cluster: Cluster
) -> None:
    own_cluster.start()
    url = own_cluster.url()
    with kept_server(tmp_path / "data", database_url=url, store_retry_s=0.5) as server:
        api = Client(server.url)
        first = api.start(scenario="hello-pipe")["id"]
        api.wait_ended(first)
        until(lambda: first in stored_ids(url), WAIT_S)
        during = api.start(scenario="sigpipe", mode="step")
        own_cluster.stop("immediate")  # mid-run, as a crash: no goodbye to the clients
        assert api.control(during, "play").status_code == 202
        api.wait_ended(during["id"])
        text = api.http.get(f"/api/runs/{during['id']}/events").text
        until(lambda: len(said(server.log_text())) == 1)
        [line] = said(server.log_text())
        assert "cannot be reached" in line and "stay in memory" in line, line
        assert api.http.get(f"/api/runs/{during['id']}/events").text == text  # from memory
        own_cluster.start()
        until(lambda: during["id"] in stored_ids(url))
        assert "can be reached again" in said(server.log_text())[-1]
        assert len(said(server.log_text())) == 2, server.log_text()
    with kept_server(tmp_path / "other", database_url=url) as again:
        api = Client(again.url)
        assert api.http.get(f"/api/runs/{during['id']}/events").text == text
        check_hello_pipe(api.events(first))


def test_a_database_from_a_newer_pipescope_is_left_alone(database_url: str, tmp_path: Path) -> None:
    store, _ = open_postgres(database_url)
    assert store is not None
    store.close()
    with psycopg.connect(database_url) as db:
        db.execute("INSERT INTO schema_version VALUES (%s, 0)", (LATEST + 1,))
    store, line = open_postgres(database_url)
    assert store is None and line is not None
    assert "newer pipescope" in line and "in memory only" in line, line
    with psycopg.connect(database_url) as db:
        assert db.execute("SELECT max(version) FROM schema_version").fetchone() == (LATEST + 1,)

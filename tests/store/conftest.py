"""Fixtures for the run store's tests.

- `store`: each way to make a store to test (a SQLite file in a temporary directory, a fresh
  database on a PostgreSQL server of the test session's own), so one protocol has one set
  of tests.
- `postgres`: that server (tests/postgres_server.py), made once a session and stopped at its
  end; `database_url`: a fresh database on it. Without PostgreSQL's binaries the tests that
  need them are skipped, except in CI, where scripts/system-deps.sh installs them.
- `kept_server(data_dir, **settings)`: a server of one's own on that data directory (to stop
  it and start it again on the same store), stopped with SIGTERM on exit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from postgres_server import Cluster, running_cluster
from service_client import Server, serve

from app.store.base import RunStore
from app.store.opening import open_sqlite, open_store


def sqlite_store(request: pytest.FixtureRequest, directory: Path) -> RunStore:
    opened = open_sqlite(directory)
    assert opened.store is not None, opened.said
    return opened.store


def postgres_store(request: pytest.FixtureRequest, directory: Path) -> RunStore:
    opened = open_store(directory, request.getfixturevalue("database_url"))
    assert opened.store is not None and opened.said is None, opened.said
    return opened.store


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def database_url(postgres: Cluster) -> str:
    if not postgres.running():  # a test that stopped it failed before it started it again
        postgres.start()
    return postgres.database()


@pytest.fixture(params=[sqlite_store, postgres_store], ids=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunStore]:
    made: RunStore = request.param(request, tmp_path / "data")
    yield made
    with contextlib.suppress(Exception):
        made.close()


@pytest.fixture
def kept_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., contextlib.AbstractContextManager[Server]]:
    def start(data_dir: Path, **settings: Any) -> contextlib.AbstractContextManager[Server]:
        return serve(tmp_path_factory.mktemp("server"), data_dir=data_dir, **settings)

    return start

"""Fixtures for the run store's tests.

- `stores`: each way to make a store to test (a SQLite file in a temporary directory now; a
  PostgreSQL one joins the list with issue 14), so one protocol has one set of tests.
- `kept_server(data_dir, **settings)`: a server of one's own on that data directory (to stop
  it and start it again on the same store), stopped with SIGTERM on exit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from service_client import Server, serve

from app.store.base import RunStore
from app.store.opening import open_sqlite


def sqlite_store(directory: Path) -> RunStore:
    opened = open_sqlite(directory)
    assert opened.store is not None, opened.said
    return opened.store


@pytest.fixture(params=[sqlite_store], ids=["sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunStore]:
    made: RunStore = request.param(tmp_path / "data")
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

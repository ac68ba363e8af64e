"""Fixtures for the service's tests.

- `server` (session): the base URL, `http://127.0.0.1:PORT`, of one shared server started as
  a user starts it (`python -m app --port PORT`), with the default settings. Browser tests use
  it too.
- `server_process` (session): that same server as a `Server` (url, ws_url, pid, log).
- `start_server(**settings)`: a context manager for a server of one's own with `PIPESCOPE_*`
  settings (`with start_server(max_runs=2) as srv: ...`), stopped with SIGTERM on exit.
- `api`: a REST + WebSocket client (`service_client.Client`) of the shared server.
- `exported` (session): a finished run of each chapter on the shared server, with its events
  and its three exports (`exports_runs.Exported`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from exports_runs import CHAPTERS, Exported, run_and_export
from service_client import Client, Server, serve


@pytest.fixture(scope="session")
def server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp_path_factory.mktemp("server")) as server:
        yield server


@pytest.fixture(scope="session")
def server(server_process: Server) -> str:
    return server_process.url


@pytest.fixture
def start_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., contextlib.AbstractContextManager[Server]]:
    def start(**settings: Any) -> contextlib.AbstractContextManager[Server]:
        return serve(tmp_path_factory.mktemp("server"), **settings)

    return start


@pytest.fixture
def api(server: str) -> Iterator[Client]:
    client = Client(server)
    yield client
    client.http.close()


@pytest.fixture(scope="session")
def exported(server: str) -> Iterator[dict[str, Exported]]:
    """A finished run of each chapter (tests/exports_runs.py), run once for the session."""
    client = Client(server)
    yield {name: run_and_export(client, name) for name in CHAPTERS}
    client.http.close()

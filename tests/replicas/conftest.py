"""Replicas of the server, as a classroom deployment runs them: real `python -m app`
processes on ports of their own, sharing a throwaway Redis (the broker) and a throwaway
PostgreSQL cluster (the run store), both on loopback.

- `replicas(*names, **settings)`: a context manager for one server per name, started at
  once, sharing a new Redis database and a new PostgreSQL database; yields a dict name ->
  `Server`.
- `broker_url`, `database_url`: the pair a test's replicas share (made by `replicas`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from postgres_server import Cluster, running_cluster
from redis_server import RedisServer, new_redis
from service_client import Server, serve

Replicas = Callable[..., contextlib.AbstractContextManager[dict[str, Server]]]


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = new_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def shared(redis_server: RedisServer, postgres: Cluster) -> dict[str, str]:
    """What a test's replicas share: a broker and a run store, both new."""
    return {"broker_url": redis_server.url(), "database_url": postgres.database()}


@pytest.fixture
def replicas(tmp_path_factory: pytest.TempPathFactory, shared: dict[str, str]) -> Replicas:
    @contextlib.contextmanager
    def start(*names: str, **settings: Any) -> Iterator[dict[str, Server]]:
        with contextlib.ExitStack() as stack:
            yield {
                name: stack.enter_context(
                    serve(tmp_path_factory.mktemp(name), replica_name=name, **shared, **settings)
                )
                for name in names
            }

    return start

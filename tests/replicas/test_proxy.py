"""The classroom deployment as compose.yaml ships it, minus the containers: two replicas
behind nginx with deploy/nginx.conf, sharing Redis and PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterator

import pytest
from conftest import Replicas
from lesson_client import join, start_lesson, waiting
from nginx_proxy import proxy
from service_client import WAIT_S, Client, Server
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect


@contextlib.contextmanager
def through_proxy(servers: dict[str, Server]) -> Iterator[Client]:
    with proxy([s.url.removeprefix("http://") for s in servers.values()]) as url:
        client = Client(url)
        try:
            yield client
        finally:
            client.http.close()


def owner_of(servers: dict[str, Server], run_id: str) -> str:
    """The replica that started the run (the one the proxy sent the POST to)."""
    started = [
        name for name, s in servers.items() if '"POST /api/runs HTTP/1.1" 201' in s.log_text()
    ]
    assert len(started) == 1, started
    return started[0]


def test_through_the_proxy_a_lesson_survives_the_loss_of_its_replica_as_a_replay(
    replicas: Replicas,
) -> None:
    with replicas("a", "b") as servers, through_proxy(servers) as api:
        run = start_lesson(api, scenario="eof")
        ws_url = "ws" + api.url.removeprefix("http") + run["ws"]
        with pytest.raises(InvalidStatus):  # another site's page may not drive it, proxied
            connect(ws_url, origin="https://evil.example", open_timeout=WAIT_S).close()
        with join(api, run, run["control_token"]) as teacher:
            teacher.newest(lambda e: bool(waiting(e)))
            teacher.send({"op": "step"})
            seen = teacher.event(lambda e: e["seq"] > 1 and bool(waiting(e)))["seq"]
            owner = owner_of(servers, run["id"])
            os.kill(servers[owner].pid, signal.SIGKILL)
            with pytest.raises(ConnectionClosed):  # its socket was on the lost replica
                teacher.until(lambda m: False)

        # The page connects again, through the proxy, which sends it to the other replica:
        # every event from 0 in order, then the end that says what happened.
        origin = api.url
        end = time.monotonic() + WAIT_S
        while True:
            try:
                ws = connect(ws_url, origin=origin, open_timeout=WAIT_S, max_size=None)
                break
            except (OSError, InvalidStatus):
                assert time.monotonic() < end, "the proxy found no replica for it"
                time.sleep(0.2)
        events: list[dict[str, object]] = []
        with ws, contextlib.suppress(ConnectionClosed):
            while True:
                data = json.loads(ws.recv(timeout=WAIT_S))
                events.extend(data if isinstance(data, list) else [data])
        assert [e["seq"] for e in events] == list(range(len(events)))
        assert len(events) > seen
        assert events[-1]["type"] == "run.end" and events[-1]["reason"] == "replica-lost"
        assert api.events(run["id"]) == events  # and replayable, through the proxy

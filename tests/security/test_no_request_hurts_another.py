"""One client's request, however large or rude, never ends another's run."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from service_client import WAIT_S, Client

HELLO_STEP: dict[str, Any] = {"scenario": "hello-pipe", "mode": "step"}


def program_of(size: int) -> dict[str, Any]:
    """A program valid by the schema, of about `size` bytes of JSON (4 KB writes)."""
    step = {"op": "write", "fd": 1, "data": "y" * 4000}
    return {"procs": {"p": [step] * (size // 4032)}}


def fork_server_of(server_pid: int) -> int:
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"app.runner.forkserver" in Path(f"/proc/{child}/cmdline").read_bytes():
                return int(child)
    raise AssertionError("the server has no fork server")


def test_a_program_of_260_kb_runs_and_a_bystander_lives_on(start_server: Any) -> None:
    with start_server(max_body_kb=1024) as srv:
        client = Client(srv.url)
        bystander = client.start(HELLO_STEP)
        for size in (210_000, 260_000):
            body = client.http.post("/api/runs", json={"program": program_of(size)})
            assert body.status_code == 201, body.text
            assert size - 5000 < len(body.request.content) <= size
            assert client.wait_ended(body.json()["id"])["end"]["reason"] == "exited"
        assert client.run(bystander["id"])["status"] == "running"
        client.http.close()


def test_the_fork_server_killed_its_runs_end_in_error_and_new_runs_work(start_server: Any) -> None:
    with start_server() as srv:
        client = Client(srv.url)
        bystander = client.start(HELLO_STEP)
        client.wait_for(bystander["id"], lambda e: e["type"] == "proc.start")
        os.kill(fork_server_of(srv.pid), signal.SIGKILL)
        ended = client.wait_ended(bystander["id"])
        assert ended["end"]["reason"] == "error"
        assert "fork server" in ended["end"]["message"]
        end = time.monotonic() + WAIT_S
        while True:  # the next run starts a new fork server
            response = client.http.post("/api/runs", json={"scenario": "hello-pipe"})
            if response.status_code == 201 or time.monotonic() > end:
                break
            time.sleep(0.1)
        assert response.status_code == 201, response.text
        assert client.wait_ended(response.json()["id"])["end"]["reason"] == "exited"
        client.http.close()

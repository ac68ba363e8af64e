"""The web server gives up root once the runner is up (PIPESCOPE_SERVER_USER, as in the
image); the runner alone stays root, and runs still work end to end."""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from typing import Any

import pytest
from service_client import Client
from test_no_request_hurts_another import fork_server_of

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="giving up root needs root")


def uids_of(pid: int) -> list[int]:
    status = Path(f"/proc/{pid}/status").read_text()
    return [
        int(x) for x in next(s for s in status.splitlines() if s.startswith("Uid:")).split()[1:]
    ]


def test_the_web_server_runs_as_the_user_and_the_runner_as_root(start_server: Any) -> None:
    nobody = pwd.getpwnam("nobody").pw_uid
    with start_server(server_user="nobody") as srv:
        client = Client(srv.url)
        assert uids_of(srv.pid) == [nobody] * 4  # real, effective, saved, fs: for good
        assert uids_of(fork_server_of(srv.pid))[:2] == [0, 0]
        for scenario in ("hello-pipe", "trace-hello-pipe"):
            run = client.start(scenario=scenario)
            ended = client.wait_ended(run["id"])
            assert ended["end"]["reason"] == "exited", ended
            start = client.events(run["id"])[0]
            assert "uid" in start["sandbox"]
        client.http.close()


def test_a_user_that_does_not_exist_stops_the_server_with_a_clear_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "app", "--port", "0"],
        env={**os.environ, "PIPESCOPE_SERVER_USER": "no-such-user-here"},
        capture_output=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode != 0
    assert b"PIPESCOPE_SERVER_USER='no-such-user-here' names no user" in done.stderr


def test_healthz_names_the_layers_around_every_run(server: str) -> None:
    import httpx

    health = httpx.get(server + "/healthz").json()
    assert health["sandbox"][:2] == ["namespaces", "uid"] and "seccomp" in health["sandbox"]

"""The service as a user meets it: a real `python -m app` on a free port, and a client that
speaks its REST API and WebSocket the way a user's script would."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 20
# Every test is one client (127.0.0.1), and runs a viewer left linger for the grace period:
# per-client limits would be the whole suite's. Tests of those limits set their own.
ONE_CLIENT_FOR_ALL = {"max_runs_per_client": 8, "max_step_runs_per_client": 8}


@dataclass
class Server:
    url: str
    pid: int
    log: Path
    proc: subprocess.Popen[bytes]

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str, proc: subprocess.Popen[bytes]) -> bool:
    end = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < end and proc.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return True
        time.sleep(0.05)
    return False


def stop(proc: subprocess.Popen[bytes]) -> int:
    """SIGTERM, as a service manager stops it; SIGKILL only if it does not go."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


@contextlib.contextmanager
def serve(log_dir: Path, **settings: Any) -> Iterator[Server]:
    env = dict(os.environ)
    # Each server its own run store, unless a test gives one (to start again on it).
    settings = ONE_CLIENT_FOR_ALL | {"data_dir": log_dir / "data"} | settings
    env.update({f"PIPESCOPE_{key.upper()}": str(value) for key, value in settings.items()})
    for attempt in range(3):  # another process may take the free port before we bind it
        port = free_port()
        log = log_dir / f"server-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "app", "--port", str(port), "--log-level", "info"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        if _healthy(url, proc):
            break
        stop(proc)
        if attempt == 2:
            raise RuntimeError(f"the server did not start:\n{log.read_text(errors='replace')}")
    try:
        yield Server(url=url, pid=proc.pid, log=log, proc=proc)
    finally:
        stop(proc)


# -- a client, as a user's script would be -------------------------------------------------
WAIT_S = 20  # how long a test waits for something that takes milliseconds, on a busy machine


class Client:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=WAIT_S)

    def start(self, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Start a run; the answer holds its control_token, which `control` and `watch` use."""
        response = self.http.post("/api/runs", json=(body or {}) | kw)
        assert response.status_code == 201, response.text
        run: dict[str, Any] = response.json()
        return run

    def control(
        self, run: dict[str, Any], op: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        """step, play, pause (POST, JSON) or kill (DELETE), with the run's control token."""
        auth = {"authorization": f"Bearer {run['control_token']}"}
        if op == "kill":
            return self.http.delete(f"/api/runs/{run['id']}", headers=auth)
        return self.http.post(f"/api/runs/{run['id']}/{op}", json=body or {}, headers=auth)

    def run(self, run_id: str) -> dict[str, Any]:
        response = self.http.get(f"/api/runs/{run_id}")
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def events(self, run_id: str, after: int = -1) -> list[dict[str, Any]]:
        response = self.http.get(
            f"/api/runs/{run_id}/events", params={"after": after, "limit": 5000}
        )
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found

    def wait_ended(self, run_id: str) -> dict[str, Any]:
        end = time.monotonic() + WAIT_S
        while (run := self.run(run_id))["status"] != "ended":
            assert time.monotonic() < end, f"run {run_id} did not end: {run}"
            time.sleep(0.02)
        return run

    def wait_for(self, run_id: str, pred: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Poll the run's events until one satisfies pred; every event so far."""
        end = time.monotonic() + WAIT_S
        while True:
            events = self.events(run_id)
            if any(pred(e) for e in events):
                return events
            assert time.monotonic() < end, f"no such event yet; the last: {events[-1:]}"
            time.sleep(0.02)

    @contextlib.contextmanager
    def watch(self, run: dict[str, Any], auth: bool = True, **kw: Any) -> Iterator[Viewer]:
        """A viewer; one that may control the run too when `run` has its control_token."""
        ws_url = "ws" + self.url.removeprefix("http") + run["ws"]
        with connect(ws_url, open_timeout=WAIT_S, max_size=None, **kw) as ws:
            if auth and run.get("control_token"):
                with contextlib.suppress(ConnectionClosed):  # an ended run's closes at once
                    ws.send(json.dumps({"op": "auth", "token": run["control_token"]}))
            yield Viewer(ws)


class Viewer:
    """One WebSocket viewer of a run. A message is one event or a batch of them; `next`
    hands out events one at a time, so none of a batch is lost between two waits."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pending: deque[dict[str, Any]] = deque()
        self.messages = 0

    def send(self, message: dict[str, Any] | str | bytes) -> None:
        self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    def next(self, timeout: float = WAIT_S) -> dict[str, Any]:
        """The next event, or error reply."""
        if not self.pending:
            data = json.loads(self.ws.recv(timeout=timeout))
            self.messages += 1
            self.pending.extend(data if isinstance(data, list) else [data])
        return self.pending.popleft()

    def until(
        self, done: Callable[[dict[str, Any]], bool], seen: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Events (into `seen`) until one satisfies `done`; that one."""
        while True:
            event = self.next()
            assert "error" not in event, event
            if seen is not None:
                seen.append(event)
            if done(event):
                return event

    def rest(self) -> list[dict[str, Any]]:
        """Every event up to `run.end`, after which the server closes the socket."""
        seen: list[dict[str, Any]] = []
        self.until(lambda e: e["type"] == "run.end", seen)
        return seen


def pid_gone(pid: int) -> bool:
    """Gone from /proc: killed and reaped, not a zombie."""
    return not os.path.exists(f"/proc/{pid}")


def wait_gone(pids: set[int]) -> set[int]:
    """The pids still alive after waiting a while for them to go."""
    end = time.monotonic() + WAIT_S
    while (left := {p for p in pids if not pid_gone(p)}) and time.monotonic() < end:
        time.sleep(0.02)
    return left


# -- what hello-pipe must show, whichever way it was run ------------------------------------
def returns(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "call.return"]


def proc_of(event: dict[str, Any], pid: int) -> dict[str, Any]:
    return next(p for p in event["state"]["procs"] if p["pid"] == pid)


def pipe_of(event: dict[str, Any], pipe_id: str) -> dict[str, Any]:
    return next(p for p in event["state"]["pipes"] if p["id"] == pipe_id)


def check_hello_pipe(events: list[dict[str, Any]]) -> None:
    """The facts of the seed's demo, as a viewer of the service receives them."""
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert events[0]["type"] == "run.start" and events[-1]["type"] == "run.end"
    assert events[-1]["reason"] == "exited", events[-1]
    calls = returns(events)
    parent = next(e["pid"] for e in events if e["type"] == "proc.start")

    pipe = calls[0]
    assert (pipe["call"], pipe["ret"], pipe["args"]["fds"]) == ("pipe", 0, [3, 4])
    fds = {row["fd"]: row for row in proc_of(pipe, parent)["fds"]}
    assert (fds[3]["end"], fds[4]["end"]) == ("read", "write")
    pipe_id = fds[3]["pipe"]
    assert fds[4]["pipe"] == pipe_id

    fork = calls[1]
    child = fork["ret"]
    assert fork["call"] == "fork" and child > 0
    child_fds = {row["fd"]: (row["pipe"], row["end"]) for row in proc_of(fork, child)["fds"]}
    assert child_fds[3] == (pipe_id, "read") and child_fds[4] == (pipe_id, "write")

    # Each closes the end it does not use; whichever goes second leaves one of each.
    closes = [e for e in calls if e["call"] == "close"]
    unused = [e for e in closes if (e["pid"], e["args"]["fd"]) in ((parent, 3), (child, 4))]
    assert len(unused) == 2 and unused[0]["pid"] != unused[1]["pid"]
    after = pipe_of(unused[1], pipe_id)
    assert (after["readers"], after["writers"]) == (1, 1)

    write = next(e for e in calls if e["call"] == "write" and e["pid"] == parent)
    assert (write["ret"], write["data"]) == (11, "hello pipe\\n")
    assert pipe_of(write, pipe_id)["bytes"] == 11

    read = next(e for e in calls if e["call"] == "read")
    assert (read["pid"], read["ret"], read["data"]) == (child, 11, "hello pipe\\n")
    assert pipe_of(read, pipe_id)["bytes"] == 0

    exits = {e["pid"]: (e["status"], e["exit_code"]) for e in events if e["type"] == "proc.exit"}
    assert exits == {parent: ("exited", 0), child: ("exited", 0)}

"""Drive the real fork server from tests, the way the web server does, but synchronously."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.config import Settings
from app.runner import channel
from app.scenarios import catalog

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LIMITS = Settings().limits("live", {})  # what the server gives a run by default


class Run:
    def __init__(self, sock: socket.socket, supervisor: int) -> None:
        self.sock = sock
        self.supervisor = supervisor
        self.reader = sock.makefile("rb")
        self.events: list[dict[str, Any]] = []

    def next_event(self) -> dict[str, Any] | None:
        line = self.reader.readline()
        if not line:
            return None
        event: dict[str, Any] = json.loads(line)
        self.events.append(event)
        return event

    def until(self, pred: Any) -> dict[str, Any]:
        while (event := self.next_event()) is not None:
            if pred(event):
                return event
        raise AssertionError(f"the run ended without the awaited event; last: {self.events[-1:]}")

    def control(self, **msg: Any) -> None:
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def finish(self) -> list[dict[str, Any]]:
        while self.next_event() is not None:
            pass
        self.close()
        return self.events

    def close(self) -> None:
        self.reader.close()  # the makefile holds the socket open until it closes too
        self.sock.close()

    def pids(self) -> set[int]:
        return {p["pid"] for e in self.events for p in e["state"]["procs"]}


class ForkServer:
    def __init__(
        self,
        config: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        user: str | None = None,
    ) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control = ours
        argv = [sys.executable, "-m", "app.runner.forkserver", str(theirs.fileno())]
        if user is not None:  # as that user, with a Python it can read (pyenv's may not be)
            argv = [*as_user(user), *argv[1:]]
            env = {**(env or {}), "PYTHONPATH": os.pathsep.join(map(str, import_paths()))}
        self.proc = subprocess.Popen(
            [*argv, json.dumps(config or {})],
            pass_fds=[theirs.fileno()],
            start_new_session=True,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        theirs.close()
        hello, _ = channel.recv(self.control)
        assert hello and hello["k"] == "ready", hello

    def start(self, request: dict[str, Any]) -> Run:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        run_id = request.setdefault("run", uuid.uuid4().hex[:8])
        channel.send(self.control, {"k": "start", "run": run_id}, (theirs.fileno(),))
        theirs.close()
        mine.sendall(channel.request_bytes(request))
        reply, _ = channel.recv(self.control)
        assert reply and reply["k"] == "started" and reply["run"] == run_id, reply
        return Run(mine, reply["pid"])

    def scenario(self, name: str, params: dict[str, Any] | None = None, **kw: Any) -> Run:
        sc = catalog.get(name)
        assert sc is not None
        limits = DEFAULT_LIMITS | sc.limits | kw.pop("limits", {})
        request = {"scenario": name, "mode": kw.pop("mode", "live"), "limits": limits}
        return self.start(request | sc.request(params))

    def program(self, procs: dict[str, Any], **kw: Any) -> Run:
        from app.scenarios.program import Program

        program = Program.model_validate({"procs": procs}).model_dump(exclude_none=True)
        limits = DEFAULT_LIMITS | kw.pop("limits", {})
        request = {"scenario": "custom", "mode": kw.pop("mode", "live"), "limits": limits}
        return self.start(request | {"backend": "runner", "program": program})

    def close(self) -> None:
        self.control.close()
        self.proc.wait(timeout=10)


def shell_pipe(first: list[str], second: list[str]) -> dict[str, Any]:
    """`first | second` as a shell runs it, as a program: roles named after the programs'
    names (a path gives its last part), the shell closing both ends and waiting for both."""
    a, b = (os.path.basename(argv[0]) for argv in (first, second))

    def stage(end: str, std: int, argv: list[str]) -> list[dict[str, Any]]:
        return [
            {"op": "dup2", "fd": end, "to": std},
            {"op": "close", "fd": "p[0]"},
            {"op": "close", "fd": "p[1]"},
            {"op": "exec", "argv": argv},
        ]

    return {
        "sh": [
            {"op": "pipe", "name": "p"},
            {"op": "fork", "child": a},
            {"op": "fork", "child": b},
            {"op": "close", "fd": "p[0]"},
            {"op": "close", "fd": "p[1]"},
            {"op": "wait", "child": a},
            {"op": "wait", "child": b},
        ],
        a: stage("p[1]", 1, first),
        b: stage("p[0]", 0, second),
    }


def reader_of_a_silent_pipe(argv: list[str]) -> dict[str, Any]:
    """A child execs argv on the read end of a pipe whose writer (the shell, which waits for
    it) never writes: the program sleeps in read, and there is time to look at it."""
    return {
        "sh": [{"op": "pipe", "name": "p"}, {"op": "fork", "child": "reader"}, {"op": "wait"}],
        "reader": [
            {"op": "dup2", "fd": "p[0]", "to": 0},
            {"op": "close", "fd": "p[0]"},
            {"op": "close", "fd": "p[1]"},
            {"op": "exec", "argv": argv},
        ],
    }


SYSTEM_PYTHON = "/usr/bin/python3.11"


def as_user(user: str) -> list[str]:
    """A command prefix that runs the system's Python 3.11 as `user`, with no privilege."""
    import pwd

    entry = pwd.getpwnam(user)
    ids = [f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]
    return ["setpriv", *ids, SYSTEM_PYTHON]


def import_paths() -> list[Path]:
    import site

    return [Path(__file__).resolve().parents[2], *map(Path, site.getsitepackages())]


def runs_as(user: str) -> str | None:
    """Why the fork server cannot run as `user` here (None when it can): it needs a Python
    3.11 and this checkout, both readable by that user."""
    if not os.path.exists(SYSTEM_PYTHON) or os.geteuid() != 0:
        return f"needs root and {SYSTEM_PYTHON}"
    probe = subprocess.run(
        [*as_user(user), "-c", "import app.runner.forkserver, pyseccomp"],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(map(str, import_paths()))},
        cwd="/",
        capture_output=True,
        check=False,
    )
    return None if probe.returncode == 0 else f"{user} cannot read this checkout or its venv"


def calls(events: list[dict[str, Any]], type_: str = "call.return") -> Iterator[dict[str, Any]]:
    return (e for e in events if e["type"] == type_)


def proc_of(event: dict[str, Any], pid: int) -> dict[str, Any]:
    return next(p for p in event["state"]["procs"] if p["pid"] == pid)


def pipe_of(event: dict[str, Any], pipe_id: str) -> dict[str, Any]:
    return next(p for p in event["state"]["pipes"] if p["id"] == pipe_id)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def exists(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")

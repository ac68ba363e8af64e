"""A throwaway Redis for the tests and benches, on loopback: Debian's `redis-server`
(scripts/system-deps.sh installs it), on a free port, keeping nothing on disk.

Debian's package may start a Redis of its own (port 6379): nothing here uses it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from service_client import free_port

START_S = 20


class RedisServer:
    def __init__(self, binary: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pipescope-redis-"))
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--logfile",
                str(self.root / "log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self._databases = 0
        end = time.monotonic() + START_S
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"redis-server did not start: {self.log()}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def url(self) -> str:
        """A database of its own (Redis has 16): each test's replicas see only each other."""
        self._databases += 1
        return f"redis://127.0.0.1:{self.port}/{self._databases % 16}"

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def new_redis() -> RedisServer:
    """A Redis; the test is skipped where redis-server is not installed, except in CI, where
    scripts/system-deps.sh installs it (a skip there would hide that)."""
    found = shutil.which("redis-server")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed: scripts/system-deps.sh test")
        pytest.skip("redis-server is not installed (scripts/system-deps.sh test)")
    return RedisServer(found)

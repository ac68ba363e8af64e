"""The web server's side of the fork server: start it once, ask it for runs, stop it last.

The server never forks (a fork of a process running an event loop and threads is a hazard);
the fork server, started here before the first request, forks each run's supervisor. A
request is one SEQPACKET packet carrying the run's own event socket; the reply names the
supervisor's pid. Closing the control socket makes the fork server kill every run it started,
reap them, and exit.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

from app.runner import channel

ROOT = Path(__file__).resolve().parents[2]  # where `app` imports from, for the new interpreter
REPLY_TIMEOUT_S = 10.0


class RunnerUnavailable(Exception):
    """The fork server could not be started or stopped answering."""


class ForkServerClient:
    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.control: socket.socket | None = None
        self.lock = asyncio.Lock()  # one request and its reply at a time
        self.broken = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode if self.proc else None

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "app.runner.forkserver",
                str(theirs.fileno()),
                pass_fds=[theirs.fileno()],
                close_fds=True,
                start_new_session=True,
                cwd=ROOT,
            )
        finally:
            theirs.close()
        ours.setblocking(False)
        self.control, self.broken = ours, False
        hello = await self._recv()
        if hello.get("k") != "ready":
            raise RunnerUnavailable(f"the fork server said {hello!r} instead of ready")

    async def start_run(self, request: dict[str, Any]) -> tuple[socket.socket, int]:
        """Start a run; returns our end of its event socket and its supervisor's pid."""
        async with self.lock:
            if self.broken or self.control is None or self.returncode is not None:
                await self._restart()
            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self._send({"k": "start", "request": request}, theirs.fileno())
            except OSError as err:
                mine.close()
                self.broken = True
                raise RunnerUnavailable(f"the fork server is gone ({err})") from err
            finally:
                theirs.close()
            try:
                reply = await self._recv()
            except RunnerUnavailable:
                mine.close()
                self.broken = True  # a late reply would answer the next request: start anew
                raise
        if reply.get("k") != "started" or reply.get("run") != request["run"]:
            mine.close()
            raise RunnerUnavailable(f"the fork server answered {reply!r}")
        return mine, int(reply["pid"])

    def kill_run(self, run_id: str) -> None:
        """SIGKILL a run's supervisor and everything under it (no reply is sent)."""
        if self.control is not None:
            with suppress(OSError):  # the fork server is gone, and its runs with it
                self._send({"k": "kill", "run": run_id})

    async def stop(self) -> None:
        """Every run's processes killed and reaped, then the fork server gone."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.proc is not None and self.proc.returncode is None:
            try:
                await asyncio.wait_for(self.proc.wait(), REPLY_TIMEOUT_S)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def _restart(self) -> None:
        await self.stop()
        await self.start()

    def _send(self, msg: dict[str, Any], *fds: int) -> None:
        # A packet this small goes at once; BlockingIOError would mean the fork server hangs.
        assert self.control is not None
        channel.send(self.control, msg, fds)

    async def _recv(self) -> dict[str, Any]:
        assert self.control is not None
        loop = asyncio.get_running_loop()
        try:
            data = await asyncio.wait_for(
                loop.sock_recv(self.control, channel.MAX_PACKET), REPLY_TIMEOUT_S
            )
        except (OSError, TimeoutError) as err:
            raise RunnerUnavailable(f"the fork server did not answer ({err!r})") from err
        if not data:
            raise RunnerUnavailable("the fork server has exited")
        msg: dict[str, Any] = json.loads(data)
        return msg

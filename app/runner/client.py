"""The web server's side of the fork server: start it once, ask it for runs, stop it last.

The server never forks (a fork of a process running an event loop and threads is a hazard);
the fork server, started here before the first request, forks each run's supervisor. A
start is one small SEQPACKET packet carrying the run's own event socket, on which the run's
request then goes, length-prefixed; the reply, read in the background, names the
supervisor's pid. Closing the control socket makes the fork server
kill every run it started, reap them, and exit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

from app.runner import channel

ROOT = Path(__file__).resolve().parents[2]  # where `app` imports from, for the new interpreter
REPLY_TIMEOUT_S = 10.0
log = logging.getLogger("pipescope.runner")


class RunnerUnavailable(Exception):
    """The fork server could not be started or stopped answering."""


class ForkServerClient:
    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = config or {}  # the fork server's own settings (sandbox uids)
        self.proc: asyncio.subprocess.Process | None = None
        self.control: socket.socket | None = None
        self.pending: dict[str, asyncio.Future[int]] = {}  # run id -> its supervisor's pid
        self.replies: asyncio.Task[None] | None = None
        self.restarting = asyncio.Lock()
        self.sandbox: list[str] = []  # the layers the fork server can put around a run

    @property
    def alive(self) -> bool:
        return self.control is not None and self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "app.runner.forkserver",
                str(theirs.fileno()),
                json.dumps(self.config),
                pass_fds=[theirs.fileno()],
                close_fds=True,
                start_new_session=True,
                cwd=ROOT,
            )
        finally:
            theirs.close()
        ours.setblocking(False)
        self.control = ours
        hello = await self._recv()
        if hello.get("k") != "ready":
            raise RunnerUnavailable(f"the fork server said {hello!r} instead of ready")
        self.sandbox = [str(layer) for layer in hello.get("sandbox", [])]
        if "uid" not in self.sandbox:
            log.warning(
                "the runner is not root, so runs share this server's uid and have only %s "
                "around them: do not let others reach this server (see docs/security.md)",
                ", ".join(self.sandbox) or "nothing",
            )
        self.replies = asyncio.get_running_loop().create_task(self._read_replies())

    async def start_run(self, request: dict[str, Any]) -> tuple[socket.socket, asyncio.Future[int]]:
        """Ask for a run; returns our end of its event socket at once, and the supervisor's
        pid to come. Events may flow before the pid is known: nobody waits for the reply."""
        if not self.alive:
            async with self.restarting:
                if not self.alive:
                    await self.stop()
                    await self.start()
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        mine.setblocking(False)
        try:
            self._send({"k": "start", "run": request["run"]}, theirs.fileno())
        except OSError as err:
            mine.close()
            raise RunnerUnavailable(f"the fork server is gone ({err})") from err
        finally:
            theirs.close()
        loop = asyncio.get_running_loop()
        pid = self.pending[request["run"]] = loop.create_future()
        try:  # the request goes to the supervisor itself, on the run's own stream
            data = channel.request_bytes(request)
            await asyncio.wait_for(loop.sock_sendall(mine, data), REPLY_TIMEOUT_S)
        except (OSError, TimeoutError) as err:
            mine.close()
            self.pending.pop(request["run"], None)
            raise RunnerUnavailable(f"the run's supervisor took no request ({err!r})") from err
        return mine, pid

    def kill_run(self, run_id: str) -> None:
        """SIGKILL a run's supervisor and everything under it (no reply is sent)."""
        if self.control is not None:
            with suppress(OSError):  # the fork server is gone, and its runs with it
                self._send({"k": "kill", "run": run_id})

    async def stop(self) -> None:
        """Every run's processes killed and reaped, then the fork server gone."""
        if self.replies is not None:
            self.replies.cancel()
            with suppress(asyncio.CancelledError):
                await self.replies
            self.replies = None
        self._fail(RunnerUnavailable("the fork server was stopped"))
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.proc is not None and self.proc.returncode is None:
            try:
                await asyncio.wait_for(self.proc.wait(), REPLY_TIMEOUT_S)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def _read_replies(self) -> None:
        """Replies come in the order of the requests; each names its run."""
        try:
            while True:
                reply = await self._recv(timeout=None)
                pid = self.pending.pop(str(reply.get("run")), None)
                if pid is not None and not pid.done():
                    pid.set_result(int(reply["pid"]))
        except RunnerUnavailable as err:
            self._fail(err)
            if self.control is not None:
                self.control.close()
                self.control = None  # the next run starts a new fork server

    def _fail(self, err: RunnerUnavailable) -> None:
        for pid in self.pending.values():
            if not pid.done():
                pid.set_exception(err)
        self.pending.clear()

    def _send(self, msg: dict[str, Any], *fds: int) -> None:
        # A packet this small goes at once; BlockingIOError would mean the fork server hangs.
        assert self.control is not None
        channel.send(self.control, msg, fds)

    async def _recv(self, timeout: float | None = REPLY_TIMEOUT_S) -> dict[str, Any]:
        assert self.control is not None
        loop = asyncio.get_running_loop()
        try:
            data = await asyncio.wait_for(loop.sock_recv(self.control, channel.MAX_PACKET), timeout)
        except (OSError, TimeoutError) as err:
            raise RunnerUnavailable(f"the fork server did not answer ({err!r})") from err
        if not data:
            raise RunnerUnavailable("the fork server has exited")
        msg: dict[str, Any] = json.loads(data)
        return msg

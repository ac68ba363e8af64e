"""One run as the server holds it: its event socket, its recording, its viewers.

The supervisor writes NDJSON events to the run's socket and reads control lines from it.
Closing our end makes it kill its processes and exit without a `run.end`; the server then
records that end itself (`viewer-left`, `shutdown`), from the last state it saw, so every
recorded trace ends with exactly one `run.end`.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any, NamedTuple, Protocol

from app.runner.world import NOTHING_GONE
from app.runs.control import ControlOp, KillOp, StepOp, refuse_step
from app.runs.errors import RunConflict
from app.runs.lesson import Lesson
from app.runs.owners import Owner
from app.runs.recording import Recording, RecordingFull

CHUNK = 1 << 18
KILL_GRACE_S = 2.0  # a kill the supervisor has not answered by then is done by the fork server
EXIT_WAIT_S = 3.0
MAX_QUEUED_CONTROL = 1 << 16  # control bytes the supervisor has not read yet


class Closing(NamedTuple):
    """How the server, not the run, ended it (run.end's reason, message, message_key and
    message_values)."""

    reason: str
    message: str
    key: str
    values: dict[str, str | int | float]


class Relay(Protocol):
    """Where a mirror's control goes: the replica that runs it (app/runs/mirror.py)."""

    def control(self, line: str) -> None: ...


class Run:
    def __init__(
        self,
        run_id: str,
        scenario: str,
        mode: str,
        backend: str,
        limits: dict[str, Any],
        hard_kill: Callable[[], None],
        owner: Owner,
    ) -> None:
        self.id, self.scenario, self.mode, self.backend = run_id, scenario, mode, backend
        self.limits = limits
        self.owner = owner  # who may control it (app/runs/owners.py)
        self.source: str | None = None  # a pasted program's C source (app/paste/)
        self.hard_kill = hard_kill  # SIGKILL the supervisor's tree through the fork server
        self.created = time.time()
        self.started = time.monotonic()
        self.ended_at: float | None = None
        self.recording = Recording(int(limits["max_recording_mb"]) << 20)
        self.supervisor: int | None = None
        self.viewers = 0
        self.viewers_elsewhere = 0  # on other replicas, as they said (app/runs/broker.py)
        # A mirror of a run of another replica: its events come from there, its control
        # goes there.
        self.relay: Relay | None = None
        self.alone_since: float | None = None
        self.lesson: Lesson | None = None  # a lesson's teacher and class (app/runs/lesson.py)
        self.done = asyncio.Event()  # the trace is complete and the supervisor is gone
        self.stored: bool | None = None  # whether the run store holds it (app/runs/archive.py)
        # How the server ended it: reason, message, and the message's key and values (the
        # run.end event's message_key, message_values), when the run itself could not say.
        self._closing: Closing | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pidfd: int | None = None
        self._supervisor: asyncio.Future[int] | None = None
        self._last_read = self.started
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def replayed(
        cls,
        run_id: str,
        scenario: str,
        mode: str,
        backend: str,
        limits: dict[str, Any],
        owner: Owner,
        created: float,
        lines: list[str],
        source: str | None = None,
    ) -> Run:
        """A finished run made from its recorded events (a store's, an import's): no process,
        nothing to control, replayed exactly as a kept run. `lines` end with its run.end;
        `source` is a pasted program's, kept with them."""
        run = cls(run_id, scenario, mode, backend, limits, hard_kill=lambda: None, owner=owner)
        run.created = created
        run.source = source
        run.recording.extend(lines, last=True)
        run.recording.finish()
        run.ended_at = time.monotonic()
        run.done.set()
        return run

    # -- life ------------------------------------------------------------------------------
    async def attach(self, sock: socket.socket, supervisor: asyncio.Future[int]) -> None:
        """Take the run's event socket; its supervisor's pid comes when the fork server says."""
        self._supervisor = supervisor
        supervisor.add_done_callback(self._learn_supervisor)
        reader, self._writer = await asyncio.open_unix_connection(sock=sock)
        self._spawn(self._pump(reader))

    def _learn_supervisor(self, supervisor: asyncio.Future[int]) -> None:
        if supervisor.cancelled() or supervisor.exception() is not None or self.done.is_set():
            return
        self.supervisor = supervisor.result()
        try:
            self._pidfd = os.pidfd_open(self.supervisor)
        except OSError:
            self._pidfd = None  # already gone, or pidfds unavailable: nothing to wait for

    async def _pump(self, reader: asyncio.StreamReader) -> None:
        partial = b""
        limit = int(self.limits["max_events"]) + 1
        try:
            while chunk := await reader.read(CHUNK):
                self._last_read = time.monotonic()
                *lines, partial = (partial + chunk).split(b"\n")
                self.recording.extend([line.decode(errors="replace") for line in lines if line])
                if len(self.recording) > limit:  # the runner caps this; never trust a flood
                    self._closing = Closing(
                        "limit",
                        f"the run sent more than {limit} events",
                        "end.limit_events",
                        {"events": limit},
                    )
                    break
        except RecordingFull as full:  # the runner caps this too
            self._closing = Closing("limit", str(full), "end.limit_recording_server", {})
        except OSError:
            pass
        finally:
            if self._writer is not None:
                self._writer.close()
            self._record_end()
            await self._await_supervisor()
            self.done.set()

    def _record_end(self) -> None:
        last = self.recording.latest()
        if last is None or last["type"] != "run.end":
            closing = self._closing or Closing(
                "error",
                "the run's supervisor stopped without reporting how the run ended; "
                "start the run again",
                "end.supervisor_lost",
                {},
            )
            end = json.dumps(self.end_event(last, closing))
            self.recording.extend([end], last=True)
        self.recording.finish()
        self.ended_at = time.monotonic()

    def end_event(self, last: dict[str, Any] | None, closing: Closing) -> dict[str, Any]:
        state = self.recording.latest_state()
        t = (last["t"] if last else 0.0) + (time.monotonic() - self._last_read)
        killed = [
            p["pid"] for p in state["procs"] if p["status"] in ("running", "blocked", "unknown")
        ]
        return {
            "v": 1,
            "seq": len(self.recording),
            "t": round(t, 6),
            "type": "run.end",
            "pid": None,
            "reason": closing.reason,
            "message": closing.message,
            "message_key": closing.key,
            "message_values": closing.values,
            "killed": killed,
            # The server ends it: nothing was closed, nothing reached the terminal.
            "state": {**state, "gone": NOTHING_GONE, "output_new": ""},
        }

    async def _await_supervisor(self) -> None:
        """Wait until the supervisor has exited (its processes die before it does)."""
        if self._supervisor is not None:
            with suppress(Exception):  # no pid: the fork server never started it
                await asyncio.wait_for(asyncio.shield(self._supervisor), EXIT_WAIT_S)
        if self._pidfd is None:
            return
        loop = asyncio.get_running_loop()
        gone: asyncio.Future[None] = loop.create_future()

        def exited() -> None:
            if not gone.done():
                gone.set_result(None)

        loop.add_reader(self._pidfd, exited)
        try:
            for _ in range(2):
                with suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(gone), EXIT_WAIT_S)
                    break
                self.hard_kill()
        finally:
            loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None

    def close(self, closing: Closing) -> None:
        """End the run from our side: the supervisor kills its processes when we hang up."""
        if self._closing is None and not self.finished:
            self._closing = closing
            if self._writer is not None:
                self._writer.close()

    def force(self, closing: Closing) -> None:
        """For a supervisor that does not answer: the fork server kills its whole tree."""
        if not self.finished:
            self._closing = self._closing or closing
            self.hard_kill()

    # -- control ---------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.recording.ended

    def control(self, op: ControlOp) -> None:
        """Pass a checked control message on to the supervisor, or say why it cannot go."""
        end = self.end()
        unattached = self._writer is None and self.relay is None  # no supervisor, no owner
        if end is not None or self._closing is not None or unattached:
            reason = end["reason"] if end else self._closing.reason if self._closing else "ending"
            raise RunConflict(f"run {self.id} has ended ({reason}); start a new run")
        if isinstance(op, StepOp):
            refusal = refuse_step(
                self.recording.latest_state(), op.pid, traced=self.backend == "strace"
            )
            if refusal is not None:
                raise RunConflict(refusal, field="pid")
        if self.relay is not None:
            self.relay.control(op.model_dump_json())
            return
        assert self._writer is not None
        if self._writer.transport.get_write_buffer_size() > MAX_QUEUED_CONTROL:
            raise RunConflict("the run is not taking control messages this fast; slow down")
        self._writer.write(op.model_dump_json().encode() + b"\n")
        if isinstance(op, KillOp):
            self._spawn(self._kill_later())

    async def _kill_later(self) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self.done.wait(), KILL_GRACE_S)
            return
        self.force(Closing("killed", "the run was stopped on request", "end.stopped", {}))

    # -- viewers ---------------------------------------------------------------------------
    def viewer_joined(self) -> None:
        self.viewers += 1
        self.alone_since = None

    def viewer_left(self) -> None:
        self.viewers -= 1
        if self.viewers == 0:
            self.alone_since = time.monotonic()

    def alone_for(self, now: float) -> float:
        """How long it has had no viewer, here or on another replica; 0 while it has one."""
        if self.alone_since is None or self.viewers_elsewhere:
            return 0.0
        return now - self.alone_since

    # -- what it says about itself ----------------------------------------------------------
    def end(self) -> dict[str, Any] | None:
        """The run's `run.end` event once it has one (always the last event)."""
        last = self.recording.latest()
        return last if last is not None and last["type"] == "run.end" else None

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)  # keep a reference: the loop holds tasks only weakly
        task.add_done_callback(self._tasks.discard)

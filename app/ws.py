"""The live stream: `/ws/runs/{id}` sends a run's events and takes its control messages.

Server to viewer: every event from seq 0 in order, one event object or a JSON array of events
per message, then a normal close once `run.end` has gone. A control message that cannot be
used gets `{"error": ..., "field": ...}` back (no `type`, so it never looks like an event)
and the socket stays open; an unknown run gets one too, then a close with code 4404.
Viewer to server: `{"op": "auth", "token": T}` once, with the control_token POST /api/runs
gave, then `{"op": "step", "pid": N}`, `{"op": "play", "interval_ms": N}`, `{"op": "pause"}`,
`{"op": "kill"}`. Watching needs no token; a control op before a valid auth gets an error
with `field: "token"`, and the socket stays open. So does a message past `max_body_kb`, or
one nested too deeply to parse. A run that has `max_viewers_per_run` viewers already
(`max_viewers_per_lesson` for a lesson), or a server that has `max_viewers` in all, refuses
the next with an error (with a `message_key` the page words it by), then close code 4429
(connect again later). A lesson's own messages (position, heartbeat, follow) are
app/lesson_ws.py's.

A page from another origin may not open it (a browser sends any page's cookies and Origin
along with a WebSocket upgrade, so Origin is the only check there is): same-origin (scheme,
host and port) and the configured `allowed_origins` may; a client that sends no Origin is
not a browser, and may.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress
from typing import Any, Literal

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from app import lesson_ws
from app.config import Settings
from app.events import ViewerRefused
from app.guards import origin_allowed
from app.runs import fanout
from app.runs.control import ControlOp
from app.runs.errors import RunError
from app.runs.fanout import Follower
from app.runs.manager import RunManager
from app.runs.owners import MAX_TOKEN_CHARS
from app.runs.run import Run
from app.wire import PUSH

router = APIRouter()
CONTROL = TypeAdapter[ControlOp](ControlOp)
OPS = ("step", "play", "pause", "kill")
UNKNOWN_RUN = 4404  # an application close code: 4000 + the HTTP status it stands for
TOO_MANY_VIEWERS = 4429
HOW = '{"op": "auth", "token": "<control_token>"} first, once per socket'


class AuthOp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    op: Literal["auth"]
    token: str = Field(max_length=MAX_TOKEN_CHARS)


class Refused(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def error_message(err: ValidationError | RunError | ValueError) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        loc = list(first["loc"])
        if first["type"].startswith("union_tag"):
            loc = ["op"]
        elif loc and loc[0] in (*OPS, *lesson_ws.LESSON_OPS):
            loc = loc[1:]  # the op the message named, which pydantic puts first
        return json.dumps({"error": first["msg"], "field": ".".join(map(str, loc)) or None})
    if isinstance(err, RunError):
        return json.dumps({"error": err.message, "field": err.field})
    return json.dumps({"error": str(err), "field": getattr(err, "field", None)})


@router.websocket("/ws/runs/{run_id}")
async def watch(websocket: WebSocket, run_id: str) -> None:
    settings: Settings = websocket.app.state.settings
    origin, host = websocket.headers.get("origin"), websocket.headers.get("host")
    if not origin_allowed(origin, websocket.url.scheme, host, settings.allowed_origins):
        await websocket.close(code=1008)  # before accept: the upgrade is refused with 403
        return
    manager: RunManager = websocket.app.state.manager
    await websocket.accept()
    try:
        run = await manager.find(run_id)
    except RunError:
        await websocket.send_text(json.dumps({"error": f"no run {run_id!r}", "field": None}))
        await websocket.close(code=UNKNOWN_RUN, reason="unknown run")
        return
    refusal = too_many_viewers(run, manager, settings)
    if refusal is not None:
        await websocket.send_text(refusal.model_dump_json())
        await websocket.close(code=TOO_MANY_VIEWERS, reason=refusal.reason)
        return
    await Viewer(websocket, run, settings).serve()


def too_many_viewers(run: Run, manager: RunManager, settings: Settings) -> ViewerRefused | None:
    """The error a viewer past a limit gets (with a key the page words it by), or None. A
    lesson takes a class; any other run a few viewers; the server, so many in all."""
    lesson = run.lesson is not None
    most = settings.max_viewers_per_lesson if lesson else settings.max_viewers_per_run
    viewers = run.viewers + run.viewers_elsewhere  # a lesson's class, on every replica
    if viewers >= most:
        name = "PIPESCOPE_MAX_VIEWERS_PER_" + ("LESSON" if lesson else "RUN")
        error = (
            f"{'lesson' if lesson else 'run'} {run.id} has {viewers} viewers, the most one "
            f"may have ({name}); connect again once one has left"
        )
        return ViewerRefused(
            error=error,
            field=None,
            message_key="limit.viewers_lesson" if lesson else "limit.viewers_run",
            message_values={"most": most},
            reason="too many viewers of this run",
        )
    if manager.viewers() >= settings.max_viewers:
        error = (
            f"this server has {settings.max_viewers} viewers, the most it takes "
            "(PIPESCOPE_MAX_VIEWERS); connect again in a while"
        )
        return ViewerRefused(
            error=error,
            field=None,
            message_key="limit.viewers_server",
            message_values={"most": settings.max_viewers},
            reason="too many viewers on this server",
        )
    return None


class Viewer:
    def __init__(self, websocket: WebSocket, run: Run, settings: Settings) -> None:
        self.websocket, self.run = websocket, run
        self.send_timeout = settings.viewer_send_timeout_s
        self.max_chars = settings.max_body_kb << 10
        self.token: str | None = None  # the control token it proved, if any
        self.lock = asyncio.Lock()  # events and error replies share the socket
        self.pushing = websocket.scope.get("extensions", {}).get(PUSH)  # None: another server
        lesson = run.lesson
        self.follower = None if lesson is None else Follower(lesson.board, lambda: self.may_control)

    @property
    def may_control(self) -> bool:
        """It proved the run's token, and that is still the token (a lesson handed on has a
        new one: every socket that proved the old one controls nothing from then on)."""
        return self.token is not None and self.run.owner.holds(self.token)

    async def send(self, text: str) -> None:
        async with self.lock:
            # A viewer that takes nothing for this long is gone in all but name.
            await asyncio.wait_for(self.websocket.send_text(text), self.send_timeout)

    def push(self, text: str) -> bool:
        """Send now, if no reply is going out and the socket can take it (app/wire.py)."""
        return self.pushing is not None and not self.lock.locked() and bool(self.pushing(text))

    async def serve(self) -> None:
        self.run.viewer_joined()
        if self.follower is not None and self.run.lesson is not None:
            self.run.lesson.followers.add(self.follower)
        push = self.push if self.pushing is not None else None
        stream = fanout.stream(self.run.recording, self.send, self.follower, push)
        sending = asyncio.create_task(stream)
        listening = asyncio.create_task(self.listen())
        try:
            done, _ = await asyncio.wait({sending, listening}, return_when=asyncio.FIRST_COMPLETED)
            if sending in done:
                if sending.exception() is None:
                    await self.websocket.close(code=1000, reason="the run has ended")
                else:  # it took nothing for send_timeout seconds: let it reconnect
                    await self.websocket.close(code=1013, reason="too slow; connect again")
        except (WebSocketDisconnect, RuntimeError, OSError, TimeoutError):
            pass
        finally:
            for task in (sending, listening):
                task.cancel()
                with suppress(BaseException):
                    await task
            self.run.viewer_left()
            if self.follower is not None and self.run.lesson is not None:
                self.run.lesson.followers.discard(self.follower)

    async def listen(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            await self.handle(message.get("text"))

    async def handle(self, text: str | None) -> None:
        try:
            data = self.parse(text)
            name = data.get("op") if isinstance(data, dict) else None
            if name == "auth":
                self.authenticate(AuthOp.model_validate(data).token)
                if self.run.lesson is not None:
                    self.run.lesson.heard_from_teacher()
                    await self.send(lesson_ws.audience(self.run.lesson))
                return
            if name in lesson_ws.LESSON_OPS:
                reply = lesson_ws.handle(self, data)
                if reply is not None:
                    await self.send(reply)
                return
            op = CONTROL.validate_python(data)
            if not self.may_control:
                raise Refused(
                    f"controlling run {self.run.id} needs the control_token POST /api/runs "
                    f"returned when it was started: send {HOW}; watching needs none",
                    "token",
                )
            if self.run.lesson is not None:
                self.run.lesson.heard_from_teacher()
            self.run.control(op)
        except json.JSONDecodeError as err:
            await self.send(json.dumps({"error": f"not JSON: {err}", "field": None}))
        except (ValidationError, RunError, ValueError) as err:
            await self.send(error_message(err))

    def parse(self, text: str | None) -> Any:
        if text is None:
            raise ValueError("send control messages as JSON text, not binary")
        if len(text) > self.max_chars:
            raise ValueError(
                f"a message of {len(text)} characters is more than the {self.max_chars >> 10} "
                "KiB this server takes (PIPESCOPE_MAX_BODY_KB); a control message is tiny"
            )
        try:
            return json.loads(text)
        except RecursionError:  # json's C parser recurses once per level of nesting
            raise ValueError("the message is nested too deeply to be a control message") from None

    def authenticate(self, token: str) -> None:
        self.token = None
        self.run.owner.check(token, self.run.id, "token", HOW)
        self.token = token

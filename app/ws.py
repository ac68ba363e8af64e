"""The live stream: `/ws/runs/{id}` sends a run's events and takes its control messages.

Server to viewer: every event from seq 0 in order, one event object or a JSON array of events
per message, then a normal close once `run.end` has gone. A control message that cannot be
used gets `{"error": ..., "field": ...}` back (no `type`, so it never looks like an event)
and the socket stays open; an unknown run gets one too, then a close with code 4404.
Viewer to server: `{"op": "step", "pid": N}`, `{"op": "play", "interval_ms": N}`,
`{"op": "pause"}`, `{"op": "kill"}`.

A page from another origin may not open it (a browser sends any page's cookies and Origin
along with a WebSocket upgrade, so Origin is the only check there is): same-origin and the
configured `allowed_origins` may; a client that sends no Origin is not a browser, and may.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter, ValidationError

from app.runs import fanout
from app.runs.control import ControlOp
from app.runs.errors import RunError
from app.runs.manager import RunManager
from app.runs.run import Run

router = APIRouter()
CONTROL = TypeAdapter[ControlOp](ControlOp)
OPS = ("step", "play", "pause", "kill")
UNKNOWN_RUN = 4404  # an application close code: 4000 + the HTTP status it stands for


def origin_allowed(origin: str | None, host: str | None, allowed: list[str]) -> bool:
    if origin is None:
        return True
    origin = origin.rstrip("/").lower()
    if "*" in allowed or origin in (a.lower() for a in allowed):
        return True
    return host is not None and urlsplit(origin).netloc == host.lower()


def error_message(err: ValidationError | RunError | ValueError) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        loc = list(first["loc"])
        if first["type"].startswith("union_tag"):
            loc = ["op"]
        elif loc and loc[0] in OPS:
            loc = loc[1:]  # the op the message named, which pydantic puts first
        return json.dumps({"error": first["msg"], "field": ".".join(map(str, loc)) or None})
    if isinstance(err, RunError):
        return json.dumps({"error": err.message, "field": err.field})
    return json.dumps({"error": str(err), "field": None})


@router.websocket("/ws/runs/{run_id}")
async def watch(websocket: WebSocket, run_id: str) -> None:
    settings = websocket.app.state.settings
    origin, host = websocket.headers.get("origin"), websocket.headers.get("host")
    if not origin_allowed(origin, host, settings.allowed_origins):
        await websocket.close(code=1008)  # before accept: the upgrade is refused with 403
        return
    manager: RunManager = websocket.app.state.manager
    await websocket.accept()
    run = manager.runs.get(run_id)
    if run is None:
        await websocket.send_text(json.dumps({"error": f"no run {run_id!r}", "field": None}))
        await websocket.close(code=UNKNOWN_RUN, reason="unknown run")
        return
    await Viewer(websocket, run, settings.viewer_send_timeout_s).serve()


class Viewer:
    def __init__(self, websocket: WebSocket, run: Run, send_timeout: float) -> None:
        self.websocket, self.run, self.send_timeout = websocket, run, send_timeout
        self.lock = asyncio.Lock()  # events and error replies share the socket

    async def send(self, text: str) -> None:
        async with self.lock:
            # A viewer that takes nothing for this long is gone in all but name.
            await asyncio.wait_for(self.websocket.send_text(text), self.send_timeout)

    async def serve(self) -> None:
        self.run.viewer_joined()
        sending = asyncio.create_task(fanout.stream(self.run.recording, self.send))
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

    async def listen(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            await self.handle(message.get("text"))

    async def handle(self, text: str | None) -> None:
        try:
            if text is None:
                raise ValueError("send control messages as JSON text, not binary")
            data: Any = json.loads(text)
            self.run.control(CONTROL.validate_python(data))
        except json.JSONDecodeError as err:
            await self.send(json.dumps({"error": f"not JSON: {err}", "field": None}))
        except (ValidationError, RunError, ValueError) as err:
            await self.send(error_message(err))

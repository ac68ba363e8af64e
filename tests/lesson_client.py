"""A lesson as its teacher and its class meet it: a teacher's socket that reports where it is,
and watchers that sort what they receive into events, lesson notes and error replies."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from service_client import WAIT_S, Client, Viewer
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

Message = dict[str, Any]


class Seen:
    """One socket's messages, sorted as they come: events (in order), notes (`lesson`),
    errors."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self.events: list[Message] = []
        self.notes: list[Message] = []
        self.errors: list[Message] = []

    def send(self, message: Message | str) -> None:
        self.viewer.send(message)

    def until(self, done: Callable[[Message], bool]) -> Message:
        """Receive until a message satisfies `done`; that message."""
        while True:
            message = self.viewer.next(WAIT_S)
            if "lesson" in message:
                self.notes.append(message)
            elif "error" in message:
                self.errors.append(message)
            else:
                self.events.append(message)
            if done(message):
                return message

    def event(self, done: Callable[[Message], bool]) -> Message:
        """The next event that satisfies `done`."""
        return self.until(lambda m: "type" in m and done(m))

    def newest(self, done: Callable[[Message], bool]) -> Message:
        """The newest event received, if it satisfies `done`; else the next that does."""
        if self.events and done(self.events[-1]):
            return self.events[-1]
        return self.event(done)

    def position(self) -> int:
        """The next teacher's position this socket is sent."""
        note = self.until(lambda m: m.get("lesson") == "position")
        return int(note["seq"])

    def error(self) -> Message:
        return self.until(lambda m: "error" in m)

    def settled(self) -> None:
        """Every message sent before this one has been handled by the server: a message
        that cannot be used comes back as an error, in order."""
        self.send("sentinel")
        self.until(lambda m: "error" in m and "not JSON" in m["error"])
        self.errors.pop()

    def audience(self) -> Message:
        """As the teacher: the class as the server counts it now."""
        self.send({"op": "heartbeat"})
        self.settled()  # its answer is in: the newest audience note, not an older one
        return next(n for n in reversed(self.notes) if n["lesson"] == "audience")


@contextlib.contextmanager
def join(client: Client, run: Message, token: str | None = None) -> Iterator[Seen]:
    """A socket on the run: the teacher's when `token` is given (it proves it at once)."""
    ws_url = "ws" + client.url.removeprefix("http") + run["ws"]
    with connect(ws_url, open_timeout=WAIT_S, max_size=None) as ws:
        seen = Seen(Viewer(ws))
        if token is not None:
            ws.send(json.dumps({"op": "auth", "token": token}))
        yield seen


def waiting(event: Message) -> list[int]:
    return [p["pid"] for p in event["state"]["procs"] if p["next"] is not None]


def still(event: Message) -> bool:
    """Nothing moves after this event until a step: some process waits to be let go, and
    none is inside a call (so the run cannot end by itself meanwhile)."""
    procs = event["state"]["procs"]
    inside = [p for p in procs if p["next"] is None and p["status"] == "running"]
    return bool(waiting(event)) and not inside


def start_lesson(client: Client, scenario: str = "hello-pipe", **kw: Any) -> Message:
    return client.start(scenario=scenario, lesson=True, **kw)


def teach(teacher: Seen, watchers: list[Seen]) -> list[int]:
    """Step the lesson to its end, reporting each position the teacher comes to; every
    watcher must be sent each one. The positions reported."""
    reported: list[int] = []
    last = teacher.newest(still)
    while True:
        teacher.send({"op": "position", "seq": last["seq"]})
        reported.append(last["seq"])
        for watcher in watchers:
            assert watcher.position() == last["seq"]
        try:
            teacher.send({"op": "step"})
        except ConnectionClosed:  # the last process may go to its end without a step
            return reported
        last = teacher.event(lambda e: still(e) or e["type"] == "run.end")
        if last["type"] == "run.end":
            return reported

"""Whose call goes next: the viewer's say (step, play, pause) over a queue of ready processes.

Live mode is play with no interval: the first process in the queue goes, round robin, like
one CPU. Step mode is pause: nothing goes until a step names a process (or none: the next in
turn). Play with an interval lets one call go per interval.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from app.runner.world import Proc


class Turns:
    def __init__(self, live: bool) -> None:
        self.queue: deque[Proc] = deque()
        self.playing = live
        self.interval = 0.0
        self.last_go = 0.0
        self.steps: list[int | None] = []  # steps asked for and not yet taken: pid or any

    def control(self, msg: dict[str, Any]) -> None:
        op = msg.get("op")
        if op == "pause":
            self.playing = False
        elif op == "play":
            self.playing = True
            self.interval = max(0, int(msg.get("interval_ms", 0))) / 1000
        elif op == "step":
            self.steps.append(msg.get("pid"))

    def may_go(self) -> bool:
        if self.steps:
            return True
        if not self.playing:
            return False
        return not self.interval or time.monotonic() >= self.last_go + self.interval

    def wait(self) -> float | None:
        """Seconds until playing lets the next call go, when a call is waiting for that."""
        if self.steps or not (self.playing and self.interval and self.queue):
            return None
        return max(0.0, self.last_go + self.interval - time.monotonic())

    def next(self) -> Proc | None:
        """Take the process whose call goes now off the queue, or None."""
        able = [p for p in self.queue if not p.stopped]  # a stopped process runs no call
        if not able or not self.may_go():
            return None
        target = able[0]
        if self.steps:
            want = self.steps.pop(0)
            target = next((p for p in able if p.pid == want), target) if want else target
        self.queue.remove(target)
        self.gone_now()
        return target

    def gone_now(self) -> None:
        self.last_go = time.monotonic()

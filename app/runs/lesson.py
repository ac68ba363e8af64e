"""A lesson: a step-mode run that a teacher drives and a class follows.

The teacher holds the run's control token (the control link carries it) and its page
reports where it is (`position`) and that it is still open (`heartbeat`). Every other viewer
is a watcher (the watch link carries no token): it gets the teacher's position beside the
events (app/runs/fanout.py, a `Board`), may detach to browse on its own, and rejoins with
one message. A lesson lives while its teacher is heard from, up to the lesson's wall time
(`PIPESCOPE_LESSON_WALL_S`); `teacher_grace_s` after the last word from a page holding the
current token, the manager ends it (`teacher-left`). Handing it on gives a new token: the
old one, and every socket that proved it, controls nothing from then on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.events import LessonAudience, LessonPosition
from app.runs.errors import RunConflict
from app.runs.fanout import Board, Follower
from app.runs.owners import Owner

if TYPE_CHECKING:
    from app.runs.run import Run

HEARTBEAT_MOST_S = 15.0  # how often a teacher's page says it is open, at most


class Lesson:
    def __init__(self, teacher_grace_s: float) -> None:
        self.board = Board()
        self.grace_s = teacher_grace_s
        self.teacher_heard = time.monotonic()  # its creation counts: the page is opening
        self.followers: set[Follower] = set()
        self.handed_on = 0
        # Between replicas (app/runs/broker.py): on a mirror, what its teacher says goes to
        # the replica that runs the lesson; there, a new token's digest goes to the mirrors.
        self.forward: Callable[[dict[str, Any]], None] | None = None
        self.handed: Callable[[str], None] | None = None
        self.elsewhere = (0, 0, 0)  # watching, following, teachers on other replicas

    @property
    def heartbeat_s(self) -> float:
        """How often the teacher's page should send a heartbeat: several per grace."""
        return round(min(HEARTBEAT_MOST_S, self.grace_s / 4), 3)

    @property
    def position(self) -> int | None:
        latest = self.board.latest
        return latest[0] if latest else None

    def heard_from_teacher(self) -> None:
        self.teacher_heard = time.monotonic()
        if self.forward is not None:
            self.forward({"op": "heartbeat"})

    def teacher_away_s(self, now: float) -> float:
        return now - self.teacher_heard

    def report(self, run: Run, seq: int) -> None:
        """The teacher's page shows event `seq`: every follower goes there."""
        count = len(run.recording)
        if not 0 <= seq < count:
            raise RunConflict(
                f"run {run.id} has events 0 to {count - 1} so far; seq {seq} is not one",
                field="seq",
            )
        if self.forward is not None:
            self.forward({"op": "position", "seq": seq})  # it comes back as a note
        elif seq != self.position:
            self.board.publish(seq, LessonPosition(lesson="position", seq=seq).model_dump_json())

    def counts(self) -> tuple[int, int, int]:
        """Its class on every replica: (watching, following, teachers)."""
        here, elsewhere = self.here(), self.elsewhere
        return here[0] + elsewhere[0], here[1] + elsewhere[1], here[2] + elsewhere[2]

    def here(self) -> tuple[int, int, int]:
        """Its class on this replica. Watchers are the sockets that do not hold the current
        control token (some of them follow); teachers, those that do."""
        watching = [f for f in self.followers if not f.muted()]
        following = sum(f.following for f in watching)
        return len(watching), following, len(self.followers) - len(watching)

    def audience(self) -> LessonAudience:
        """The message that tells the teacher's page about its class."""
        watching, following, teachers = self.counts()
        return LessonAudience(
            lesson="audience",
            watching=watching,
            following=following,
            teachers=teachers,
            heartbeat_s=self.heartbeat_s,
        )

    def hand_on(self, run: Run) -> str:
        """A new control token for the run; the old one stops working. The colleague who gets
        it has the whole grace to open the link."""
        if run.finished:
            raise RunConflict(f"run {run.id} has ended; start a new lesson")
        run.owner = Owner(client=run.owner.client, mode=run.owner.mode)  # a new token, digest
        self.handed_on += 1
        self.heard_from_teacher()
        if self.forward is not None:
            self.forward({"op": "owner", "digest": run.owner.digest})
        elif self.handed is not None:
            self.handed(run.owner.digest)
        return run.owner.token


def links(run_id: str, token: str) -> dict[str, str]:
    """A lesson's two links. The token is in the control link's fragment, which a browser
    never sends: no server log, proxy or Referer sees it."""
    return {"control_url": f"/runs/{run_id}#control={token}", "watch_url": watch_path(run_id)}


def watch_path(run_id: str) -> str:
    return f"/runs/{run_id}?follow=1"

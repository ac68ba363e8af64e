"""A lesson's messages on the WebSocket, beside the run's control ops (app/ws.py).

Viewer to server: the teacher's page (a socket that proved the current control token)
sends `{"op": "position", "seq": K}` whenever it shows another event, and
`{"op": "heartbeat"}` every `heartbeat_s` seconds; a watcher sends `{"op": "follow",
"following": false}` when it browses on its own and `true` when it rejoins. Server to the
teacher: `{"lesson": "audience", ...}`, after its auth and after each heartbeat. Server to
each watcher that follows: `{"lesson": "position", "seq": K}` (app/runs/fanout.py). None of
these has a `type`, so none looks like an event, nor an `error`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictBool, TypeAdapter

from app.runs.control import NUMBER_ONLY
from app.runs.errors import RunConflict
from app.runs.fanout import Follower
from app.runs.lesson import Lesson
from app.runs.run import Run


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PositionOp(_Op):
    op: Literal["position"]
    seq: Annotated[int, NUMBER_ONLY] = Field(ge=0, description="the event the teacher shows")


class HeartbeatOp(_Op):
    op: Literal["heartbeat"]


class FollowOp(_Op):
    op: Literal["follow"]
    following: StrictBool


LessonOp = Annotated[PositionOp | HeartbeatOp | FollowOp, Field(discriminator="op")]
LESSON = TypeAdapter[LessonOp](LessonOp)
LESSON_OPS = ("position", "heartbeat", "follow")


class NotTeacher(ValueError):
    field = "token"


class _Viewer(Protocol):
    run: Run
    follower: Follower | None

    @property
    def may_control(self) -> bool: ...


def lesson_of(run: Run) -> Lesson:
    if run.lesson is None:
        raise RunConflict(
            f"run {run.id} is not a lesson; position, heartbeat and follow are a "
            'lesson\'s messages (POST /api/runs with "lesson": true)',
            field="op",
        )
    return run.lesson


def handle(viewer: _Viewer, data: object) -> str | None:
    """Act on a lesson message; the reply to send, if any. Raises what the viewer should be
    told (a ValidationError, a RunError, NotTeacher)."""
    op = LESSON.validate_python(data)
    lesson = lesson_of(viewer.run)
    if isinstance(op, FollowOp):
        if viewer.follower is not None:
            viewer.follower.follow(op.following)
        return None
    if not viewer.may_control:
        raise NotTeacher(
            f"only the teacher's page (the control link of lesson {viewer.run.id}) reports "
            "its position and heartbeat; a watch link follows, and may browse on its own"
        )
    lesson.heard_from_teacher()
    if isinstance(op, PositionOp):
        lesson.report(viewer.run, op.seq)
        return None
    return audience(lesson)


def audience(lesson: Lesson) -> str:
    return lesson.audience().model_dump_json()

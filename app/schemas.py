"""The REST API's request and response bodies, each with an example for /docs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.scenarios.program import Program

Text = dict[str, str]  # {"en": ..., "zh": ...}


def flood_program(writes: int, size: int = 1) -> dict[str, Any]:
    """A writer that writes `size` bytes `writes` times into a pipe, and a reader that reads
    until EOF: the shape of many small writes, for examples, tests and benchmarks."""
    return {
        "procs": {
            "writer": [
                {"op": "pipe", "name": "p"},
                {"op": "fork", "child": "reader"},
                {"op": "close", "fd": "p[0]"},
                {"op": "write", "fd": "p[1]", "size": size, "repeat": writes},
                {"op": "close", "fd": "p[1]"},
                {"op": "wait"},
            ],
            "reader": [
                {"op": "close", "fd": "p[1]"},
                {"op": "read", "fd": "p[0]", "count": 4096, "until_eof": True},
            ],
        }
    }


LIMITS_EXAMPLE = {
    "wall_s": 10,
    "cpu_s": 5,
    "memory_mb": 512,
    "max_procs": 16,
    "max_events": 20000,
    "max_recording_mb": 64,
}


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class ErrorBody(BaseModel):
    model_config = _example(
        {"error": "params.count: Input should be less than or equal to 64", "field": "params.count"}
    )
    error: str = Field(description="what went wrong and what to do about it")
    field: str | None = Field(default=None, description="the input at fault, dotted, if one is")
    detail: list[dict[str, Any]] | None = Field(
        default=None,
        description="for 422: every problem found, as pydantic reports it (`loc`, `msg`, "
        "`type`, and `ctx` when its values are plain: an `argv.*` type is a message key of "
        "static/i18n/strings.json and `ctx` fills it, so a page can word it in its language)",
    )


class ScenarioParam(BaseModel):
    model_config = _example(
        {
            "name": "count",
            "type": "int",
            "default": 3,
            "min": 1,
            "max": 64,
            "label": {"en": "writes", "zh": "写入次数"},
        }
    )
    name: str
    type: Literal["int", "bool", "str"]
    default: int | bool | str
    min: int | None
    max: int | None
    label: Text
    pattern: str | None = Field(default=None, description="a str param's allowed form (regex)")


SCENARIO_EXAMPLE: dict[str, Any] = {
    "name": "hello-pipe",
    "title": {"en": "hello pipe", "zh": "hello pipe：父写子读"},
    "summary": {"en": "The parent writes into a pipe, the child reads it.", "zh": "父写子读。"},
    "notice": {
        "en": "After fork both hold fd 3 and fd 4.",
        "zh": "fork 之后父子都持有 fd 3 和 fd 4。",
    },
    "params": [],
    "limits": {},
    "backend": "runner",
    "chapter": "pipe",
}


class ScenarioSummary(BaseModel):
    model_config = _example(SCENARIO_EXAMPLE)
    name: str
    title: Text
    summary: Text
    notice: Text
    params: list[ScenarioParam]
    limits: dict[str, float] = Field(description="limits the scenario lowers, e.g. wall_s")
    backend: Literal["runner", "strace"]
    chapter: Literal["pipe", "fifo", "signal", "shm", "socket", "shell"] = Field(
        description="the note's chapter it belongs to; the gallery groups by these, in this order"
    )


class ScenarioDetail(ScenarioSummary):
    model_config = _example(
        SCENARIO_EXAMPLE
        | {
            "source": "int main(void) {\n    int fd[2];\n    pipe(fd);\n    ...\n}\n",
            "sources": {
                "en": "int main(void) {\n    int fd[2];\n    pipe(fd);\n    ...\n}\n",
                "zh": "int main(void) {\n    int fd[2];\n    pipe(fd);\n    ...\n}\n",
            },
            "program": {"procs": {"parent": [{"op": "pipe", "name": "fd", "line": 3}]}},
        }
    )
    source: str = Field(description="the equivalent C program; events' `line` points into it")
    sources: dict[str, str] = Field(
        description="the same C program with its comments in each language (`en`, `zh`): "
        "the code and its lines are the same"
    )
    program: dict[str, Any] | None = Field(
        default=None, description="the program its default parameters build"
    )


class RunCreate(BaseModel):
    """Give a scenario by name (with its params), or a program of your own."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scenario": "hello-pipe", "params": {}, "mode": "live"},
                {"program": flood_program(100), "mode": "step"},
            ]
        },
    )
    scenario: str | None = Field(default=None, description="a name from GET /api/scenarios")
    params: dict[str, Any] = Field(default_factory=dict, description="the scenario's parameters")
    program: Program | None = Field(default=None, description="a composed program, instead")
    c_source: str | None = Field(
        default=None,
        description="a C program of your own, instead: one file, the C library and pthreads; "
        "compiled with gcc inside the run's sandbox, then traced under strace (a `compile` "
        "event says how it went; a source that does not compile ends the run with reason "
        "`compile-error` and gcc's diagnostics on that event). At most PIPESCOPE_MAX_SOURCE_KB.",
    )
    all_calls: bool = Field(
        default=False, description="with c_source: show every traced call, libc's too"
    )
    mode: Literal["live", "step"] = Field(
        default="live", description="live: calls go by themselves; step: each waits for a step"
    )
    lesson: bool = Field(
        default=False,
        description="a lesson: a step-mode run a teacher drives (the control link) and a "
        "class follows (the watch link); it lives while the teacher's page is open, up to "
        "PIPESCOPE_LESSON_WALL_S",
    )


class RunCounts(BaseModel):
    events: int
    procs: int = Field(description="processes started so far")
    live_procs: int = Field(description="processes not yet exited or killed")
    pipes: int = Field(description="pipes some live process holds an end of")
    viewers: int = Field(description="WebSockets watching now")


class LessonInfo(BaseModel):
    watch_url: str = Field(description="the watch link: follows the teacher, controls nothing")
    watching: int = Field(description="WebSockets watching that do not hold the control token")
    following: int = Field(description="of those, the ones following the teacher's position")
    position: int | None = Field(description="the event the teacher's page shows, once told")


class LessonLinks(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "control_url": "/runs/3f2a9c1b7d4e#control=kq3Z0m7wQx2c...",
                    "watch_url": "/runs/3f2a9c1b7d4e?follow=1",
                    "control_token": "kq3Z0m7wQx2c...",
                }
            ]
        }
    )
    control_url: str = Field(
        description="the teacher's link: the control token rides in its fragment, which no "
        "browser sends to a server"
    )
    watch_url: str = Field(description="the class's link: no token")
    control_token: str = Field(description="the token the control link carries")


class RunEnd(BaseModel):
    reason: str
    message: str


RUN_INFO_EXAMPLE: dict[str, Any] = {
    "id": "3f2a9c1b7d4e4a0f9b8c6d5e4f3a2b1c",
    "ws": "/ws/runs/3f2a9c1b7d4e4a0f9b8c6d5e4f3a2b1c",
    "events_url": "/api/runs/3f2a9c1b7d4e4a0f9b8c6d5e4f3a2b1c/events",
    "scenario": "hello-pipe",
    "mode": "live",
    "backend": "runner",
    "status": "ended",
    "end": {"reason": "exited", "message": "every process has exited"},
    "limits": LIMITS_EXAMPLE,
    "created": 1732420000.5,
    "supervisor": 4871,
    "counts": {"events": 26, "procs": 2, "live_procs": 0, "pipes": 0, "viewers": 0},
}


class RunInfo(BaseModel):
    model_config = _example(RUN_INFO_EXAMPLE)
    id: str
    ws: str = Field(description="the WebSocket path that streams this run's events")
    events_url: str
    scenario: str
    mode: Literal["live", "step"]
    backend: str
    status: Literal["running", "ended"]
    end: RunEnd | None = Field(description="how it ended, once it has")
    limits: dict[str, int | float]
    created: float = Field(description="Unix time the run was asked for")
    supervisor: int | None = Field(
        description="the pid of the run's supervisor; null until the fork server says (~1 ms)"
    )
    counts: RunCounts
    lesson: LessonInfo | None = Field(default=None, description="a lesson's class; else null")


class RunCreated(RunInfo):
    model_config = _example(
        {
            **RUN_INFO_EXAMPLE,
            "status": "running",
            "end": None,
            "control_token": "kq3Z0m7wQx2c9b1VdYp4sTn8uFhJ6eLrGaW5yKoiMvE",
        }
    )
    control_token: str = Field(
        description="given this once: step, play, pause and kill need it (REST: "
        '`Authorization: Bearer <token>`; WebSocket: `{"op": "auth", "token": ...}`)'
    )
    links: LessonLinks | None = Field(
        default=None, description="a lesson's control and watch links; else null"
    )


class Health(BaseModel):
    model_config = _example(
        {
            "status": "ok",
            "runs": 1,
            "max_runs": 8,
            "sandbox": ["namespaces", "uid", "landlock-7", "seccomp", "environment"],
        }
    )
    status: Literal["ok"]
    runs: int = Field(description="runs alive now")
    max_runs: int
    sandbox: list[str] = Field(
        description="the layers of isolation around every run (docs/security.md)"
    )


class TerminalOutput(BaseModel):
    model_config = _example({"start": 0, "upto": 11, "text": "hello pipe\n"})
    start: int = Field(description="where `text` begins in the run's output, in characters")
    upto: int = Field(description="where it ends: the `output_at` asked for")
    text: str = Field(
        description="the run's output from `start` to `upto`: what the terminal shows"
    )

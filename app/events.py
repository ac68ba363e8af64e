"""The event contract: every message a run produces, as the page and the API receive it.

The runner builds plain dicts (it must stay light and import no pydantic); these models are
the single written form of that contract. `docs/events.md` documents each type and field, and
a test fails when a model here has a field the document does not name.

Python Tutor's rule holds: every event carries `state`, the whole world after that event, so
any step renders from its own event with no look at its neighbours. The terminal's text is
the run's one growing thing: a state says where the terminal stands (`output_at`, an offset
into the run's output) and what this event added, and a page keeps the output once per run
(or asks `GET /api/runs/{id}/output?upto=N` for what it has not received).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


FileType = Literal["regular", "directory", "symlink", "char", "block", "fifo", "socket"]


class FdEntry(_Strict):
    fd: int
    kind: Literal["pipe", "fifo", "tty", "file", "null", "socket", "anon", "other"]
    type: FileType | None
    target: str
    pipe: str | None
    socket: str | None
    end: Literal["read", "write", "both"] | None
    mode: Literal["r", "w", "rw"]
    nonblock: bool
    cloexec: bool
    file: str | None


class BlockedOn(_Strict):
    call: str
    fd: int | None
    pipe: str | None
    socket: str | None
    wchan: str
    path: str | None
    fds: list[int] | None = None


class ThreadState(_Strict):
    tid: int
    status: Literal["running", "blocked", "exited"]
    call: str | None
    blocked_on: BlockedOn | None
    waiting: Literal["futex", "nanosleep", "clock_nanosleep"] | None = None  # older exports: none


class NextCall(_Strict):
    call: str
    args: dict[str, Any]
    line: int | None


class SignalSets(_Strict):
    pending: list[str]
    shared_pending: list[str]
    blocked: list[str]
    ignored: list[str]
    caught: list[str]


class ProcState(_Strict):
    pid: int
    ppid: int
    name: str
    role: str
    program: list[str] | None
    status: Literal["running", "blocked", "stopped", "unknown", "exited", "killed"]
    blocked_on: BlockedOn | None
    next: NextCall | None
    exit_code: int | None
    signal: str | None
    zombie: bool
    reaped: bool
    fds: list[FdEntry]
    signals: SignalSets | None
    threads: list[ThreadState] = Field(default_factory=list)


class SlotWriter(_Strict):
    pid: int | None
    len: int


class RingSlot(_Strict):
    offset: int
    len: int
    preview: str | None
    writers: list[SlotWriter]


class Ring(_Strict):
    nslots: int
    head: int
    tail: int
    slots: list[RingSlot | None]
    exact: bool


class FileRef(_Strict):
    pid: int
    fd: int


class FileState(_Strict):
    id: str
    object: str
    end: Literal["read", "write", "both"] | None
    flags: list[str]
    nonblock: bool
    refs: list[FileRef]


class PipeState(_Strict):
    id: str
    kind: Literal["pipe", "fifo"]
    path: str | None
    bytes: int | None
    capacity: int | None
    readers: int | None
    writers: int | None
    reader_fds: int
    writer_fds: int
    ring: Ring


class MappingPage(_Strict):
    present: bool
    exclusive: bool
    frame: int | None


class MappingView(_Strict):
    pid: int
    start: str
    end: str
    perms: str | None
    bytes: str | None
    changed: list[tuple[int, int]]
    pages: list[MappingPage] | None
    resident: int | None
    shared: int | None
    waiting_at: int | None


class MappingState(_Strict):
    id: str
    name: str
    share: Literal["shared", "private"]
    backing: Literal["anon", "memfd", "file"]
    path: str | None
    inode: int | None
    size: int
    pages: int
    bytes: str | None
    changed: list[tuple[int, int]]
    split: list[bool | None] | None
    views: list[MappingView]


class InFlight(_Strict):
    target: str | None


class SocketState(_Strict):
    id: str
    type: Literal["stream", "datagram", "seqpacket"] | None
    state: Literal["unconnected", "listening", "connected", "closed"] | None
    path: str | None
    peer: str | None
    bytes: int | None
    messages: list[int] | None
    backlog: list[str | None] | None
    max_backlog: int | None
    shutdown: list[Literal["read", "write"]]
    in_flight: list[InFlight] | None


class GoneFd(FdEntry):
    pid: int


class Gone(_Strict):
    fds: list[GoneFd]
    files: list[FileState]
    pipes: list[PipeState]
    mappings: list[MappingState]
    sockets: list[SocketState]


class WorldState(_Strict):
    procs: list[ProcState]
    files: list[FileState] | None
    pipes: list[PipeState]
    mappings: list[MappingState]
    sockets: list[SocketState]
    gone: Gone
    output_at: int
    output_new: str


class _EventBase(_Strict):
    v: Literal[1]
    seq: int
    t: float
    pid: int | None
    state: WorldState


class RunStart(_EventBase):
    type: Literal["run.start"]
    run: str
    scenario: str
    mode: Literal["live", "step"]
    limits: dict[str, int | float]
    backend: Literal["runner", "strace"]
    sandbox: list[str] = Field(default_factory=list)
    exec_calls: Literal["strace", "proc"] = "proc"


class ProcStart(_EventBase):
    type: Literal["proc.start"]
    ppid: int | None
    name: str
    role: str


class CallEnter(_EventBase):
    type: Literal["call.enter"]
    tid: int | None = None
    call: str
    args: dict[str, Any]
    line: int | None


class CallBlock(_EventBase):
    type: Literal["call.block"]
    tid: int | None = None
    call: str
    args: dict[str, Any]
    line: int | None
    blocked_on: BlockedOn


class CallReturn(_EventBase):
    type: Literal["call.return"]
    tid: int | None = None
    call: str
    args: dict[str, Any]
    line: int | None
    ret: int
    errno: str | None
    data: str | None
    data_truncated: bool
    data_runs: list[tuple[str, int]] | None
    duration: float | None
    blocked: bool


class SignalEvent(_EventBase):
    type: Literal["signal"]
    signal: str
    signo: int
    action: Literal["pending", "merged", "handle", "ignore", "stop", "continue", "kill"]
    sender: int | None = None
    code: str | None = None
    handler_mask: list[str] | None = None


class ProcExit(_EventBase):
    type: Literal["proc.exit"]
    status: Literal["exited", "killed"]
    exit_code: int | None
    signal: str | None


class ThreadStart(_EventBase):
    type: Literal["thread.start"]
    tid: int


class ThreadExit(_EventBase):
    type: Literal["thread.exit"]
    tid: int
    status: Literal["exited", "killed"]
    exit_code: int | None
    signal: str | None


class Output(_EventBase):
    type: Literal["output"]
    data: str


class StateChange(_EventBase):
    type: Literal["state.change"]
    reason: str


class Diagnostic(_Strict):
    line: int | None
    column: int | None
    severity: Literal["error", "warning", "note"]
    message: str


class Compile(_EventBase):
    type: Literal["compile"]
    ok: bool
    cached: bool
    seconds: float
    diagnostics: list[Diagnostic]


class RunEnd(_EventBase):
    type: Literal["run.end"]
    reason: Literal[
        "exited",
        "timeout",
        "killed",
        "limit",
        "error",
        "viewer-left",
        "teacher-left",
        "replica-lost",
        "shutdown",
        "compile-error",
    ]
    message: str
    message_key: str
    message_values: dict[str, str | int | float]
    killed: list[int]


Event = Annotated[
    RunStart
    | ProcStart
    | CallEnter
    | CallBlock
    | CallReturn
    | SignalEvent
    | ProcExit
    | ThreadStart
    | ThreadExit
    | Output
    | StateChange
    | Compile
    | RunEnd,
    Field(discriminator="type"),
]

EVENT_MODELS: tuple[type[_EventBase], ...] = (
    RunStart,
    ProcStart,
    CallEnter,
    CallBlock,
    CallReturn,
    SignalEvent,
    ProcExit,
    ThreadStart,
    ThreadExit,
    Output,
    StateChange,
    Compile,
    RunEnd,
)

STATE_MODELS: tuple[type[_Strict], ...] = (
    WorldState,
    Gone,
    GoneFd,
    ProcState,
    ThreadState,
    SignalSets,
    FdEntry,
    BlockedOn,
    NextCall,
    FileState,
    FileRef,
    PipeState,
    Ring,
    RingSlot,
    SlotWriter,
    MappingState,
    MappingView,
    MappingPage,
    SocketState,
    InFlight,
)


# -- a lesson's messages: not events (no `type`, no `seq` of their own), on the same socket --
class LessonPosition(_Strict):
    """To each watcher that follows: the event the teacher's page shows."""

    lesson: Literal["position"]
    seq: int


class LessonAudience(_Strict):
    """To the teacher's page, after its auth and each heartbeat: its class."""

    lesson: Literal["audience"]
    watching: int
    following: int
    teachers: int
    heartbeat_s: float


class ViewerRefused(_Strict):
    """An error that closes the socket (too many viewers), worded by the page from its key."""

    error: str
    field: None
    message_key: str
    message_values: dict[str, str | int | float]
    reason: str


# What else the WebSocket sends, each with its section in docs/events.md ("Lessons").
SOCKET_MESSAGES: dict[str, type[_Strict]] = {
    "lesson: position": LessonPosition,
    "lesson: audience": LessonAudience,
    "refused: too many viewers": ViewerRefused,
}


def event_type(model: type[_EventBase]) -> str:
    """The `type` string a model carries, read from its Literal annotation."""
    literal: Any = model.model_fields["type"].annotation
    return str(literal.__args__[0])

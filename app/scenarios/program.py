"""The program format: what each process of a run does, as data.

A program is one small vocabulary of operations, one list per process role. `root` names the
role of the first process (it may be left out when one role only is never forked: JSON objects
have no order, so the first key cannot be trusted to mean it); `fork` names the role its child
runs. File descriptors are written as C writes them: a pipe named `fd` gives `fd[0]` (read
end) and `fd[1]` (write end), an `open` named `rfd` gives `rfd`; plain numbers (0, 1, 2, or a
dup2 target) are fds too. Built-in scenarios and user-composed programs share this format, so
it is validated strictly: an error's `loc` names the role, the step index and the field.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.scenarios import argv as arguments
from app.scenarios.commands import COMMANDS
from app.scenarios.steps_fifo import MkfifoStep, OpenStep, UnlinkStep
from app.scenarios.steps_shm import (
    LoadStep,
    MmapStep,
    MsyncStep,
    MunmapStep,
    SemInitStep,
    SemPostStep,
    SemWaitStep,
    StoreStep,
    check_mappings,
)
from app.scenarios.steps_signals import (
    KillStep,
    PauseStep,
    RaiseStep,
    SigactionStep,
    SigprocmaskStep,
    SigsuspendStep,
    SigwaitinfoStep,
)

# Programs exec may run, each with the options its table allows (commands.py). Nothing
# else is ever exec'd.
ALLOWED_PROGRAMS = tuple(COMMANDS)
# `fd[0]`, `fd[1]` of a pipe or socket pair; a bare name for a call that makes one fd (open,
# socket, accept, recvmsg).
FD_NAME = re.compile(r"^([a-z_][a-z0-9_]{0,15})(\[([01])\])?$")
ROLE_NAME = r"^[a-z][a-z0-9_-]{0,15}$"
MAX_FD = 999  # fds from 1000 up belong to the runner's own channels
MAX_WRITE = 1 << 20
MAX_STEPS = 64
MAX_REPEAT = 10_000


def _fd_ref(value: object) -> int | str:
    """One check with one message (a union would report each of its members, by internal
    names such as `constrained-int`)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_FD:
        return value
    if isinstance(value, str) and FD_NAME.match(value):
        return value
    raise PydanticCustomError(
        "fd_ref",
        "an fd is a number from 0 to {max}, or a name a step gave it: fd[0] or fd[1] of a "
        "pipe, or the name of an open",
        {"max": MAX_FD},
    )


FdRef = Annotated[
    int | str,
    PlainValidator(_fd_ref),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_FD},
                {"type": "string", "pattern": FD_NAME.pattern},
            ]
        }
    ),
]


class _Step(BaseModel):
    # Strict: a number is a number (no "4096", no true), as C would have it.
    model_config = ConfigDict(extra="forbid", strict=True)
    line: int | None = Field(default=None, ge=1, description="C source line this step maps to")


class PipeStep(_Step):
    op: Literal["pipe"]
    name: str = Field(pattern=r"^[a-z_][a-z0-9_]{0,15}$", examples=["fd"])


class ForkStep(_Step):
    op: Literal["fork"]
    child: str = Field(pattern=ROLE_NAME, description="role the child runs")


class CloseStep(_Step):
    op: Literal["close"]
    fd: FdRef


class ReadStep(_Step):
    op: Literal["read"]
    fd: FdRef
    count: int = Field(default=1024, ge=1, le=MAX_WRITE)
    repeat: int = Field(default=1, ge=1, le=MAX_REPEAT)
    until_eof: bool = Field(default=False, description="loop until read returns 0 or fails")


class WriteStep(_Step):
    op: Literal["write"]
    fd: FdRef
    data: str | None = Field(default=None, max_length=4096)
    size: int | None = Field(default=None, ge=1, le=MAX_WRITE)
    fill: str = Field(default="x", min_length=1, max_length=1)
    from_read: bool = Field(default=False, description="write what the last read returned")
    repeat: int = Field(default=1, ge=1, le=MAX_REPEAT)
    until_error: bool = Field(default=False, description="stop repeating at the first -1")

    @model_validator(mode="after")
    def _one_source(self) -> WriteStep:
        sources = [self.data is not None, self.size is not None, self.from_read]
        if sum(sources) != 1:
            raise ValueError("a write needs exactly one of data, size or from_read")
        return self


class Dup2Step(_Step):
    op: Literal["dup2"]
    fd: FdRef
    to: int = Field(ge=0, le=MAX_FD)


class ExecStep(_Step):
    op: Literal["exec"]
    argv: list[str] = Field(
        min_length=1,
        max_length=8,
        description="an allowlisted program and only the options and operands its table "
        "allows (docs/security.md, 'The second line')",
        examples=[["sort", "-r", "words.txt"]],
    )

    @field_validator("argv")
    @classmethod
    def _allowlisted(cls, argv: list[str]) -> list[str]:
        try:
            arguments.check(argv)
        except arguments.Refusal as refusal:
            raise refused(refusal, argv[refusal.index], (refusal.index,)) from None
        return argv


def refused(refusal: arguments.Refusal, given: str, loc: tuple[str | int, ...]) -> ValidationError:
    """The refusal as a validation error at loc: its type is the message's key and its ctx
    the message's values, so a page can word it in its own language."""
    error = PydanticCustomError(refusal.key, str(refusal), refusal.values)
    return ValidationError.from_exception_data(
        "argv", [InitErrorDetails(type=error, loc=loc, input=given)]
    )


class WaitStep(_Step):
    op: Literal["wait"]
    child: str | None = Field(default=None, pattern=ROLE_NAME, description="role, or any child")
    nohang: bool = Field(default=False, description="WNOHANG: return 0 at once if none has ended")
    until_done: bool = Field(
        default=False, description="a reaping loop: wait again until it returns 0 or -1"
    )


class ExitStep(_Step):
    op: Literal["exit"]
    code: int = Field(default=0, ge=0, le=255)


class NonblockStep(_Step):
    op: Literal["nonblock"]
    fd: FdRef
    on: bool = True


class PipeSizeStep(_Step):
    op: Literal["pipe_size"]
    fd: FdRef
    size: int = Field(ge=4096, le=1 << 20)


class SleepStep(_Step):
    op: Literal["sleep"]
    ms: int = Field(ge=0, le=5000)


class YieldStep(_Step):
    op: Literal["yield"]


class SigpipeStep(_Step):
    op: Literal["sigpipe"]
    action: Literal["ignore", "default"]


class SetsidStep(_Step):
    op: Literal["setsid"]


from app.scenarios.steps_sockets import (  # noqa: E402  (they build on _Step and FdRef)
    AcceptStep,
    BindStep,
    ConnectStep,
    ListenStep,
    RecvmsgStep,
    RecvStep,
    SendmsgStep,
    SendStep,
    ShutdownStep,
    SocketpairStep,
    SocketStep,
)

Step = Annotated[
    PipeStep
    | ForkStep
    | CloseStep
    | ReadStep
    | WriteStep
    | Dup2Step
    | ExecStep
    | WaitStep
    | ExitStep
    | NonblockStep
    | PipeSizeStep
    | SleepStep
    | YieldStep
    | SigpipeStep
    | SetsidStep
    | KillStep
    | RaiseStep
    | SigactionStep
    | SigprocmaskStep
    | PauseStep
    | SigsuspendStep
    | SigwaitinfoStep
    | MmapStep
    | LoadStep
    | StoreStep
    | MsyncStep
    | MunmapStep
    | SemInitStep
    | SemWaitStep
    | SemPostStep
    | MkfifoStep
    | OpenStep
    | UnlinkStep
    | SocketpairStep
    | SocketStep
    | BindStep
    | ListenStep
    | AcceptStep
    | ConnectStep
    | SendStep
    | RecvStep
    | SendmsgStep
    | RecvmsgStep
    | ShutdownStep,
    Field(discriminator="op"),
]


class Program(BaseModel):
    """Each role's steps. `root` is the first process; every other role is forked."""

    model_config = ConfigDict(extra="forbid", strict=True)
    root: str | None = Field(
        default=None,
        pattern=ROLE_NAME,
        description="the role of the first process; by default the one role no fork starts",
        examples=["parent"],
    )
    procs: dict[
        Annotated[str, Field(pattern=ROLE_NAME)],
        Annotated[list[Step], Field(max_length=MAX_STEPS)],
    ] = Field(
        examples=[
            {
                "parent": [
                    {"op": "pipe", "name": "fd"},
                    {"op": "fork", "child": "child"},
                    {"op": "close", "fd": "fd[0]"},
                    {"op": "write", "fd": "fd[1]", "data": "hello pipe\n"},
                    {"op": "close", "fd": "fd[1]"},
                ],
                "child": [
                    {"op": "close", "fd": "fd[1]"},
                    {"op": "read", "fd": "fd[0]", "count": 1024},
                    {"op": "write", "fd": 1, "from_read": True},
                    {"op": "close", "fd": "fd[0]"},
                ],
            }
        ]
    )

    @model_validator(mode="after")
    def _roles_connect(self) -> Program:
        if not self.procs:
            raise ValueError("a program needs at least one role: the first process")
        forked = {
            s.child for steps in self.procs.values() for s in steps if isinstance(s, ForkStep)
        }
        for role in forked:
            if role not in self.procs:
                raise ValueError(f"fork names role {role!r}, which has no steps")
        unforked = [role for role in self.procs if role not in forked]
        if self.root is None:
            if len(self.procs) == 1:
                self.root = next(iter(self.procs))
            elif len(unforked) == 1:
                self.root = unforked[0]
            else:
                names = ", ".join(repr(r) for r in unforked) or "none"
                raise ValueError(f"say which role is the first process with 'root' ({names})")
        if self.root not in self.procs:
            raise ValueError(f"root names role {self.root!r}, which has no steps")
        for role in unforked:
            if role != self.root:
                raise ValueError(f"role {role!r} is never started by a fork")
        check_mappings(self.procs)
        return self

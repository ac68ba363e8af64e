"""Program steps for signals: each one real system call, with C's semantics.

Signals are named as C names them ("SIGUSR1", "SIGRTMIN+1"). A handler is pipescope's own
C handler (app/runner/csrc/handler.c): it does nothing but report that it ran, so what a
student sees is the kernel's delivery, not a Python imitation of it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.kernel import signals

TARGET = r"^[a-z][a-z0-9_-]{0,15}$"  # a child's role; "parent" and "self" match it too
SA_FLAGS = ("SA_RESTART", "SA_NODEFER", "SA_RESETHAND", "SA_NOCLDSTOP", "SA_NOCLDWAIT")


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line: int | None = Field(default=None, ge=1, description="C source line this step maps to")


def known(value: str) -> str:
    if signals.number(value) is None:
        raise ValueError(f"{value!r} is not a signal: use a name such as SIGUSR1 or SIGRTMIN+1")
    return value


def known_all(values: list[str]) -> list[str]:
    for value in values:
        known(value)
    return values


class KillStep(_Step):
    op: Literal["kill"]
    to: str = Field(
        pattern=TARGET, description="a child's role, 'parent', or 'self'", examples=["child"]
    )
    signal: str = Field(examples=["SIGUSR1"])
    repeat: int = Field(default=1, ge=1, le=16, description="send it this many times")
    _signal = field_validator("signal")(known)


class RaiseStep(_Step):
    op: Literal["raise"]
    signal: str = Field(examples=["SIGUSR1"])
    _signal = field_validator("signal")(known)


class SigactionStep(_Step):
    op: Literal["sigaction"]
    signal: str = Field(examples=["SIGUSR1"])
    handler: Literal["handler", "SIG_IGN", "SIG_DFL"] = Field(
        description="'handler': a C handler that reports each run"
    )
    flags: list[Literal[SA_FLAGS]] = Field(default_factory=list, max_length=5)  # type: ignore[valid-type]
    mask: list[str] = Field(default_factory=list, max_length=64, description="sa_mask")
    _signal = field_validator("signal")(known)
    _mask = field_validator("mask")(known_all)

    @field_validator("signal")
    @classmethod
    def _catchable(cls, value: str) -> str:
        if value in signals.UNCATCHABLE:
            raise ValueError(f"{value} cannot be caught, blocked or ignored")
        return value


class SigprocmaskStep(_Step):
    op: Literal["sigprocmask"]
    how: Literal["SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"]
    signals: list[str] = Field(default_factory=list, max_length=64)
    _signals = field_validator("signals")(known_all)


class PauseStep(_Step):
    op: Literal["pause"]


class SigsuspendStep(_Step):
    op: Literal["sigsuspend"]
    mask: list[str] = Field(
        default_factory=list, max_length=64, description="the mask to wait with"
    )
    _mask = field_validator("mask")(known_all)


class SigwaitinfoStep(_Step):
    op: Literal["sigwaitinfo"]
    signals: list[str] = Field(min_length=1, max_length=64, description="blocked signals to take")
    _signals = field_validator("signals")(known_all)


SIGNAL_STEPS = (
    KillStep,
    RaiseStep,
    SigactionStep,
    SigprocmaskStep,
    PauseStep,
    SigsuspendStep,
    SigwaitinfoStep,
)

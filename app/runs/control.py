"""Control messages (step, play, pause, kill), and why a process cannot be stepped now.

REST and the WebSocket share these, so both check a step the same way: against the latest
state, where a process that waits to be let go shows its `next` call.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

MAX_INTERVAL_MS = 60_000


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _number(value: Any) -> Any:
    """JSON's true and false are not numbers, whatever Python's bool says."""
    if isinstance(value, bool):
        raise ValueError("a number is needed here, not true or false")
    return value


NUMBER_ONLY = BeforeValidator(_number)


class StepOp(_Op):
    model_config = ConfigDict(json_schema_extra={"examples": [{"op": "step", "pid": 4875}]})
    op: Literal["step"] = "step"
    pid: Annotated[int | None, NUMBER_ONLY] = Field(
        default=None, ge=1, description="the process to let go; null: next"
    )


class PlayOp(_Op):
    model_config = ConfigDict(json_schema_extra={"examples": [{"op": "play", "interval_ms": 300}]})
    op: Literal["play"] = "play"
    interval_ms: Annotated[int, NUMBER_ONLY] = Field(
        default=0,
        ge=0,
        le=MAX_INTERVAL_MS,
        description="pause between calls; 0: no pause",
    )


class PauseOp(_Op):
    op: Literal["pause"] = "pause"


class KillOp(_Op):
    op: Literal["kill"] = "kill"


ControlOp = Annotated[StepOp | PlayOp | PauseOp | KillOp, Field(discriminator="op")]


def describe(proc: dict[str, Any]) -> str:
    return f"pid {proc['pid']} ({proc['name']})"


def _blocked_text(proc: dict[str, Any]) -> str:
    on = proc.get("blocked_on") or {}
    where = on.get("pipe") or (f"fd {on['fd']}" if on.get("fd") is not None else None)
    return f"is blocked in {on.get('call', 'a call')}" + (f" on {where}" if where else "")


def in_call(proc: dict[str, Any], traced: bool = False) -> bool:
    """Let go into one of our calls, not blocked: it asks for its next call once it returns.
    Under strace (`traced`) an exec'd program is held at every call too."""
    held = traced or not proc["program"]
    return proc["next"] is None and proc["status"] == "running" and held


def why_not(proc: dict[str, Any], traced: bool = False) -> str | None:
    """Why this process cannot take a step now, or None if it can."""
    if proc["next"] is not None:
        return None
    if proc["status"] in ("exited", "killed"):
        return f"has {proc['status']}"
    if proc["status"] == "blocked":
        return _blocked_text(proc)
    if proc["program"] and not traced:
        return f"runs {' '.join(proc['program'])}, an exec'd program that moves by itself"
    return "is in a call that has not returned yet"


def refuse_step(state: dict[str, Any], pid: int | None, traced: bool = False) -> str | None:
    """A message saying why this step cannot go, or None when it can. `traced`: the run is
    under strace, which holds every process, an exec'd program's included, at each call."""
    procs = state["procs"]
    waiting = [p for p in procs if p["next"] is not None]
    hint = (
        "; step " + " or ".join(describe(p) for p in waiting)
        if waiting
        else "; wait for the run to move"
    )
    if pid is None:
        # The step waits its turn in the supervisor until a process asks to be let go.
        if not procs or waiting or any(in_call(p, traced) for p in procs):
            return None
        reasons = ", ".join(f"{describe(p)} {why_not(p, traced)}" for p in procs)
        return f"no process is waiting to be let go: {reasons}{hint}"
    proc = next((p for p in procs if p["pid"] == pid), None)
    if proc is None:
        pids = ", ".join(describe(p) for p in procs) or "none yet"
        return f"pid {pid} is not a process of this run (its processes: {pids})"
    reason = why_not(proc, traced)
    return None if reason is None else f"{describe(proc)} {reason}{hint}"

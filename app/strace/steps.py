"""The steps a tracked line becomes: a call's return, a signal, an exit (events without
`state`, which the supervisor adds)."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING, Any

from app.strace import calls
from app.strace.lines import Line

if TYPE_CHECKING:
    from app.strace.track import OpenCall

DEFAULT_IGNORED = {"SIGCHLD", "SIGWINCH", "SIGURG", "SIGCONT"}


def return_step(pid: int, tid: int, opened: OpenCall, line: Line) -> dict[str, Any]:
    name, args = opened.name, opened.args
    data, cut, runs = calls.moved(name, args, line.ret)
    named = (
        calls.named_args(name, args) | opened.inputs | calls.returned_args(name, args, line.note)
    )
    return {
        "type": "call.return",
        "pid": pid,
        "tid": tid,
        "call": opened.call,
        "args": named,
        "line": opened.line,
        "ret": line.ret,
        "errno": line.errno,
        "data": data,
        "data_truncated": cut,
        "data_runs": runs,
        "duration": line.duration,
        "blocked": opened.blocked,
    }


def signal_step(pid: int, name: str) -> dict[str, Any]:
    try:
        signo = int(signal.Signals[name])
    except KeyError:
        signo = 0
    action = "ignore" if name in DEFAULT_IGNORED else "kill"
    return {"type": "signal", "pid": pid, "signal": name, "signo": signo, "action": action}


def died_step(pid: int, line: Line) -> dict[str, Any]:
    killed = line.kind == "killed"
    return {
        "type": "proc.exit",
        "pid": pid,
        "status": "killed" if killed else "exited",
        "exit_code": None if killed else line.code,
        "signal": line.signal if killed else None,
    }

"""A run as `strace -f -T -o FILE` would have written it: one line a call.

    4711  read(3, "hello pipe\\n", 1024)     = 11 <0.000220>

strace writes a call's line as the call goes in and finishes it when it returns; when another
process's line comes between, the first is cut with `<unfinished ...>` and finished later as
`<... read resumed>`. So does this, from the events' order: a call whose enter and return are
next to each other is one line, one that blocked (or was overtaken) is two. Signals are
`--- SIGCHLD {si_signo=SIGCHLD, ...} ---` when they act (strace shows no signal that only
waits in a pending set), deaths `+++ exited with 0 +++`. Each call's words: strace_calls.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from app.exports.strace_calls import NOT_SYSCALLS, Call, call, result, signal_name

COLUMN = 40  # strace's -a default: where ` = ` goes
ACTS = ("handle", "kill", "stop", "continue", "ignore")  # what strace sees delivered


def leader(pid: int) -> str:
    return f"{pid:<5d} "  # as `-o FILE` with -f writes it


def returns(pid: int, text: str, ev: dict[str, Any] | None) -> str:
    """`PID  text) `, padded to strace's column, then `= ret <duration>` (`= ?`: it never
    returned)."""
    text = leader(pid) + text + ") "
    text += " " * max(0, COLUMN - len(text))
    if ev is None:
        return text + "= ?"
    took = ev.get("duration")
    return text + "= " + result(ev) + (f" <{took:.6f}>" if took is not None else "")


class StraceLog:
    """Lines out as events come in. Only one line is ever half written (`partial`): the call
    last entered, until its return or another process's line."""

    def __init__(self) -> None:
        self.open: dict[int, dict[str, Any]] = {}  # pid -> its call.enter, while in the call
        self.partial: int | None = None  # the pid whose entry line is not finished yet

    def feed(self, ev: dict[str, Any]) -> Iterator[str]:
        kind, pid = ev["type"], ev.get("pid")
        if kind.startswith("call.") and ev["call"] in NOT_SYSCALLS:
            return
        if kind == "call.enter" and pid is not None:
            yield from self.cut()
            self.open[pid] = ev
            self.partial = pid
        elif kind == "call.return" and pid is not None:
            yield from self.finish(pid, ev)
        elif kind == "signal" and ev["action"] in ACTS:
            yield from self.line(pid, f"--- {signal_name(ev['signal'])} {siginfo(ev)} ---")
            if ev["action"] == "stop":
                yield from self.line(pid, f"--- stopped by {signal_name(ev['signal'])} ---")
        elif kind == "proc.exit" and pid is not None:
            yield from self.finish(pid, None)
            if ev["status"] == "exited":
                yield from self.line(pid, f"+++ exited with {ev['exit_code']} +++")
            else:
                yield from self.line(pid, f"+++ killed by {signal_name(ev['signal'] or '?')} +++")
        elif kind == "run.end":
            for killed in ev.get("killed", []):  # SIGKILLed as the run ended
                yield from self.finish(killed, None)
                yield from self.line(killed, "+++ killed by SIGKILL +++")
            yield from self.cut()

    def cut(self) -> Iterator[str]:
        """Finish the half-written line as strace does when another line must start."""
        if self.partial is not None and self.partial in self.open:
            entered = call(self.open[self.partial])
            yield leader(self.partial) + head(entered) + " <unfinished ...>"
            self.open[self.partial] = {**self.open[self.partial], "_cut": True}
        self.partial = None

    def line(self, pid: int | None, text: str) -> Iterator[str]:
        yield from self.cut()
        yield (leader(pid) if pid is not None else "") + text

    def finish(self, pid: int, ev: dict[str, Any] | None) -> Iterator[str]:
        """The call `pid` is in returns (`ev`), or ends with its process (None)."""
        entered = self.open.pop(pid, None)
        if ev is None and entered is None:
            return
        done = call(ev) if ev is not None else call(entered)  # type: ignore[arg-type]
        if self.partial == pid and entered is not None:  # nothing came between: one line
            self.partial = None
            if ev is None and entered["call"] != "exit_group":
                yield returns(pid, head(call(entered)) + " <unfinished ...>", None)
                return
            yield returns(pid, f"{done.name}({', '.join(done.args)}", ev)
            return
        yield from self.cut()
        rest = ", ".join(done.args[done.inputs :]) if entered is not None else None
        if rest is None:  # its entry was never seen: the whole call, as one line
            yield returns(pid, f"{done.name}({', '.join(done.args)}", ev)
        elif ev is None and entered is not None and entered["call"] != "exit_group":
            yield returns(pid, f"<... {done.name} resumed> <unfinished ...>", None)
        else:
            yield returns(pid, f"<... {done.name} resumed>{rest}", ev)


def head(entered: Call) -> str:
    """An entry line as strace leaves it: `read(3, ` (the inputs, then what is to come)."""
    given = ", ".join(entered.args[: entered.inputs])
    more = entered.inputs < len(entered.args)
    return f"{entered.name}({given}{', ' if given and more else ''}"


def siginfo(ev: dict[str, Any]) -> str:
    fields = [f"si_signo={signal_name(ev['signal'])}"]
    if ev.get("code"):
        fields.append(f"si_code={ev['code']}")
    elif ev.get("sender") is not None:
        fields.append("si_code=SI_USER")
    if ev.get("sender") is not None:
        fields.append(f"si_pid={ev['sender']}")
    return "{" + ", ".join(fields) + "}"


def render(lines: Iterable[str]) -> Iterator[str]:
    """The log's text, from the run's recorded events (one JSON text each), a line at a time."""
    log = StraceLog()
    for text in lines:
        for out in log.feed(json.loads(text)):
            yield out + "\n"

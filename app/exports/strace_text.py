"""A run as `strace -f -T -o FILE` would have written it: one line a call.

    4711  read(3, "hello pipe\\n", 1024)     = 11 <0.000220>

strace writes a call's line as the call goes in and finishes it when it returns; when another
process's line comes between, the first is cut with `<unfinished ...>` and finished later as
`<... read resumed>`. So does this, from the events' order: a call whose enter and return are
next to each other is one line, one that blocked (or was overtaken) is two. Signals are
`--- SIGCHLD {si_signo=SIGCHLD, ...} ---` when they act (strace shows no signal that only
waits in a pending set), deaths `+++ exited with 0 +++`. A signal that wakes a sleeping call
ends it first (`= ? ERESTARTSYS`); the call then comes back as a line of its own, restarted,
or as rt_sigreturn's `-1 EINTR`. Each call's words: strace_calls.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from app.exports.strace_calls import NOT_SYSCALLS, Call, call, result, signal_name, sigset

UNFINISHED = " <unfinished ...>"

COLUMN = 40  # strace's -a default: where ` = ` goes
ACTS = ("handle", "kill", "stop", "continue", "ignore")  # what strace sees delivered
NEVER = "?"  # what strace prints for a call that never returned
# What a sleeping call returns to the kernel when a signal interrupts it: the call is then
# restarted (SA_RESTART, a stop) or ends in rt_sigreturn's -1 EINTR.
INTERRUPTED = {
    "pause": "? ERESTARTNOHAND (To be restarted if no handler)",
    "rt_sigsuspend": "? ERESTARTNOHAND (To be restarted if no handler)",
    "clock_nanosleep": "? ERESTART_RESTARTBLOCK (Interrupted by signal)",
}
RESTART = "? ERESTARTSYS (To be restarted if SA_RESTART is set)"


def leader(pid: int) -> str:
    return f"{pid:<5d} "  # as `-o FILE` with -f writes it


def returns(pid: int, text: str, said: str) -> str:
    """`PID  text) `, padded to strace's column, then `= ` and what the call returned."""
    text = leader(pid) + text + ") "
    return text + " " * max(0, COLUMN - len(text)) + "= " + said


def returned(ev: dict[str, Any]) -> str:
    took = ev.get("duration")
    return result(ev) + (f" <{took:.6f}>" if took is not None else "")


@dataclass
class InCall:
    enter: dict[str, Any]
    blocked: bool = False  # the kernel had it asleep (a call.block came)
    interrupted: bool = False  # a signal ended its sleep: its return is a line of its own
    held: list[str] = field(default_factory=list)  # signal lines that follow its return


class StraceLog:
    """Lines out as events come in. Only one line is ever half written (`partial`): the call
    last entered, until its return or another process's line."""

    def __init__(self) -> None:
        self.calls: dict[int, InCall] = {}  # pid -> the call it is in
        self.partial: int | None = None  # the pid whose entry line is not finished yet

    def feed(self, ev: dict[str, Any]) -> Iterator[str]:
        kind, pid = ev["type"], ev.get("pid")
        if kind.startswith("call.") and ev["call"] in NOT_SYSCALLS:
            return
        if kind == "call.enter" and pid is not None:
            yield from self.cut()
            self.calls[pid] = InCall(ev)
            self.partial = pid
        elif kind == "call.block" and pid in self.calls:
            self.calls[pid].blocked = True
        elif kind == "call.return" and pid is not None:
            yield from self.finish(pid, ev)
        elif kind == "signal" and ev["action"] in ACTS and pid is not None:
            yield from self.signal(pid, ev)
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

    def signal(self, pid: int, ev: dict[str, Any]) -> Iterator[str]:
        """As strace sees a signal arrive: a sleeping call it interrupts ends first (`= ?
        ERESTARTSYS`); a call it is handled in (a sigprocmask that unblocks it) returns
        first, as the handler runs on the way back to user space."""
        name = signal_name(ev["signal"])
        lines = [f"--- {name} {siginfo(ev)} ---"]
        if ev["action"] == "stop":
            lines.append(f"--- stopped by {name} ---")
        inside = self.calls.get(pid)
        if inside is not None and not inside.interrupted and ev["action"] != "continue":
            if inside.blocked:
                yield from self.end_line(
                    pid, inside, None, INTERRUPTED.get(inside.enter["call"], RESTART)
                )
                inside.interrupted = True
            elif ev["action"] == "handle":
                inside.held.extend(lines)
                return
        for text in lines:
            yield from self.line(pid, text)

    def cut(self) -> Iterator[str]:
        """Finish the half-written line as strace does when another line must start."""
        if self.partial is not None and self.partial in self.calls:
            yield leader(self.partial) + head(call(self.calls[self.partial].enter)) + UNFINISHED
        self.partial = None

    def line(self, pid: int, text: str) -> Iterator[str]:
        yield from self.cut()
        yield leader(pid) + text

    def finish(self, pid: int, ev: dict[str, Any] | None) -> Iterator[str]:
        """The call `pid` is in returns (`ev`), or ends with its process (None)."""
        inside = self.calls.pop(pid, None)
        if inside is not None and inside.interrupted:
            if ev is None:
                pass  # its line ended when the signal came
            elif ev.get("errno") == "EINTR":  # no restart: the handler's return says so
                mask = sigset(blocked_set(ev, pid))
                yield from self.cut()
                yield returns(pid, f"rt_sigreturn({{mask={mask}}}", result(ev))
            else:  # restarted: the kernel makes the call again, a line of its own
                yield from self.cut()
                done = call(ev)
                yield returns(pid, f"{done.name}({', '.join(done.args)}", returned(ev))
        elif inside is not None or ev is not None:
            said = returned(ev) if ev is not None else NEVER
            yield from self.end_line(pid, inside, ev, said)
        for text in inside.held if inside is not None else []:
            yield from self.line(pid, text)

    def end_line(
        self, pid: int, inside: InCall | None, ev: dict[str, Any] | None, said: str
    ) -> Iterator[str]:
        """The line that ends a call: whole when nothing came between its entry and now,
        `<... read resumed>` when its entry line was cut."""
        enter = inside.enter if inside is not None else None
        done = call(ev if ev is not None else enter)  # type: ignore[arg-type]
        never = ev is None and (enter is None or enter["call"] != "exit_group") and said == NEVER
        whole = f"{done.name}({', '.join(done.args)}"
        if self.partial == pid and enter is not None:  # nothing came between: one line
            self.partial = None
            yield returns(pid, head(done) + UNFINISHED if never else whole, said)
            return
        yield from self.cut()
        if enter is None:  # its entry was never seen: the whole call, as one line
            yield returns(pid, whole, said)
        elif never:
            yield returns(pid, f"<... {done.name} resumed>{UNFINISHED}", said)
        else:
            yield returns(
                pid, f"<... {done.name} resumed>{', '.join(done.args[done.inputs :])}", said
            )


def blocked_set(ev: dict[str, Any], pid: int) -> list[str] | None:
    """The process's mask after the call, which rt_sigreturn restored."""
    proc = next((p for p in ev["state"]["procs"] if p["pid"] == pid), None)
    return proc["signals"]["blocked"] if proc and proc.get("signals") else None


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

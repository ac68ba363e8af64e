"""Which line of its C source a traced call is: the runner scenario's steps, in order.

A traced C example is the very program a runner scenario acts out step by step, each step
carrying its line. A process makes its calls in its program's order, so each traced call is
the next step of its role that makes the same call; a step the runner repeats (a read until
EOF, a write in a loop) may match again. Calls no step makes (the execve that started the
program, libc's own) have no line. Once an execve among its steps works, the process runs
another program, whose lines these are not.
"""

from __future__ import annotations

from typing import Any

CALL_OF_OP = {
    "pipe": "pipe",
    "fork": "fork",
    "close": "close",
    "read": "read",
    "write": "write",
    "dup2": "dup2",
    "exec": "execve",
    "wait": "wait4",
    "exit": "exit_group",
    "nonblock": "fcntl",
    "pipe_size": "fcntl",
    "sleep": "clock_nanosleep",
    "sigpipe": "rt_sigaction",
    "setsid": "setsid",
}
Hint = tuple[str, int, bool]  # (call, line, may repeat)


def hints(procs: dict[str, list[dict[str, Any]]]) -> dict[str, list[list[Any]]]:
    """A runner program's steps as [call, line, repeats] per role, for a trace spec."""
    return {
        role: [
            [CALL_OF_OP[s["op"]], s["line"], bool(s.get("until_eof") or s.get("repeat", 1) > 1)]
            for s in steps
            if s.get("line") and s["op"] in CALL_OF_OP
        ]
        for role, steps in procs.items()
    }


class SourceLines:
    def __init__(self, hints: dict[str, list[list[Any]]]) -> None:
        self.steps: dict[str, list[Hint]] = {
            str(role): [(str(c), int(line), bool(rep)) for c, line, rep in steps]
            for role, steps in hints.items()
        }
        self.cursor = dict.fromkeys(self.steps, 0)

    def line(self, role: str, call: str) -> int | None:
        steps = self.steps.get(role)
        if not steps:
            return None
        at = self.cursor[role]
        if at > 0 and steps[at - 1][2] and steps[at - 1][0] == call:
            return steps[at - 1][1]  # the loop goes round again
        for i in range(at, len(steps)):
            if steps[i][0] == call:
                self.cursor[role] = i + 1
                return steps[i][1]
        return None

    def exec_done(self, role: str) -> None:
        """An execve worked. The one that started the C program comes before any of its
        steps; one after them starts another program."""
        if self.cursor.get(role):
            del self.steps[role]

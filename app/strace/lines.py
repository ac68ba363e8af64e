"""One line of `strace -f -ttt -T -y -x` output, read into a record.

strace writes a system call as one line when it returns, or as two when another process's
line comes between: `read(3<pipe:[7]>,  <unfinished ...>` and later
`<... read resumed>"hi\\n", 1024) = 3 <0.000051>`. That pair only means the lines were
interleaved; whether the call blocked is for /proc to say. Signals are `--- SIGPIPE {...} ---`,
deaths `+++ exited with 0 +++` and `+++ killed by SIGPIPE +++`.

A line starts with the pid as `-o FILE` writes it (`4711  `), as stderr gets it while several
processes are traced (`[pid  4711] `), or with no pid at all (stderr, one process traced).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LEAD = re.compile(r"^(?:\[pid\s+(\d+)\] |(\d+)\s+)?(\d+\.\d+) ")
_SIGNAL = re.compile(r"^--- (SIG\w+) (.*) ---$")
_EXITED = re.compile(r"^\+\+\+ exited with (\d+) \+\+\+$")
_KILLED = re.compile(r"^\+\+\+ killed by (SIG\w+)(?: \(core dumped\))? \+\+\+$")
_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>")
_NAME = re.compile(r"^(\w+)\(")
_UNFINISHED = " <unfinished ...>"
# After the arguments: ` = 3<pipe:[7]> <0.000012>`, ` = -1 EPIPE (Broken pipe) <...>`, ` = ?`
_RESULT = re.compile(
    r"^\)\s+= (?P<ret>-?\d+|0x[0-9a-f]+|\?)"
    r"(?:<(?P<decor>.*?)>(?= |$))?"
    r"(?: (?P<errno>E[A-Z0-9_]+) \([^)]*\))?"
    r"(?: \((?P<note>[^)]*\)?)\))?"
    r"(?: <(?P<dur>\d+\.\d+|unavailable)>)?$"
)
# Strings (stepped over whole) and the characters the argument syntax is made of.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[()\[\]{}<>,]')
_OPEN = "([{"
_CLOSE = ")]}"


@dataclass
class Line:
    """What one line says. `kind` is one of: call (entered and returned on this line),
    unfinished (entered; the rest comes later), resumed (the rest of an unfinished call),
    signal, exited, killed, other (anything strace says that is not about a call)."""

    kind: str
    pid: int | None
    t: float | None
    text: str
    name: str = ""
    args: list[str] = field(default_factory=list)  # top-level arguments, as printed
    ret: int | None = None  # None for `= ?`: the call never returned (exit, a death)
    decor: str | None = None  # the returned fd's target, as -y prints it
    errno: str | None = None
    note: str | None = None  # what strace adds after the return: `in [3]`, `[{fd=3, ...}]`
    duration: float | None = None
    signal: str | None = None  # signal, killed
    code: int | None = None  # exited


def parse(text: str) -> Line:
    """Read one line (without its newline). Never raises: what it cannot read is `other`."""
    text = text.rstrip("\n")
    lead = _LEAD.match(text)
    if not lead:
        return Line("other", None, None, text)
    raw_pid = lead.group(1) or lead.group(2)
    pid = int(raw_pid) if raw_pid else None
    t = float(lead.group(3))
    body = text[lead.end() :]
    line = Line("other", pid, t, text)
    if m := _SIGNAL.match(body):
        line.kind, line.signal = "signal", m.group(1)
    elif m := _EXITED.match(body):
        line.kind, line.code = "exited", int(m.group(1))
    elif m := _KILLED.match(body):
        line.kind, line.signal = "killed", m.group(1)
    elif m := _RESUMED.match(body):
        line.kind, line.name = "resumed", m.group(1)
        read_call(line, body[m.end() :])
    elif m := _NAME.match(body):
        line.kind, line.name = "call", m.group(1)
        read_call(line, body[m.end() :])
    return line


def read_call(line: Line, rest: str) -> None:
    """Fill in the arguments and the result from what follows `name(` or `resumed>`."""
    if rest.endswith(_UNFINISHED):
        line.args = split_args(rest[: -len(_UNFINISHED)])
        if line.kind == "call":
            line.kind = "unfinished"
        return  # `<... x resumed> <unfinished ...>`: killed inside the call
    args, end = scan_args(rest, to_close=True)
    m = _RESULT.match(rest[end:]) if end is not None else None
    if not m:
        line.kind = "other"
        return
    line.args = args
    ret = m.group("ret")
    line.ret = None if ret == "?" else int(ret, 0)
    line.decor, line.errno, line.note = m.group("decor"), m.group("errno"), m.group("note")
    dur = m.group("dur")
    line.duration = float(dur) if dur and dur != "unavailable" else None


def split_args(text: str) -> list[str]:
    """The top-level arguments of an argument list, as printed: `3<pipe:[7]>`, `"hi\\n"`,
    `[3<pipe:[7]>, 4<pipe:[7]>]`. Commas inside strings, brackets and -y's `<...>` stay."""
    return scan_args(text)[0]


def scan_args(text: str, to_close: bool = False) -> tuple[list[str], int | None]:
    """The arguments, and with to_close where the `)` closing the list is: a written string
    may well hold `) = 5`, so strings are stepped over whole (by a regex, escapes and all)."""
    out: list[str] = []
    depth = angle = start = 0
    end = None
    for m in _TOKENS.finditer(text):
        c, i = m.group(0), m.start()
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            if depth == 0 and to_close:
                end = i if c == ")" else None
                break
            depth -= 1
        elif c == "<" and i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
            angle += 1  # `3<pipe:[7]>`, `AT_FDCWD</tmp>`: a -y decoration opens
        elif c == ">" and angle:
            angle -= 1
        elif c == "," and depth == 0 and not angle:
            out.append(text[start:i].strip())
            start = i + 1
    else:
        if to_close:
            return [], None
    last = text[start : len(text) if end is None else end].strip()
    if last or out:
        out.append(last)
    return out, end

"""Compile a student's C source with gcc inside the run's own boundary, never in the server.

The run's supervisor forks a child that enters the same sandbox a run's processes enter
(app/runner/sandbox.py: namespaces, the run's uid, Landlock, seccomp, a scrubbed
environment) with the compile's own limits (CPU seconds, address space, processes), writes
the source into its directory and runs gcc there, then objdump for the line table. What
comes out is one JSON line and the program's bytes, on a pipe: inside, the run's directory
is a tmpfs of its own, which the supervisor cannot see.
"""

from __future__ import annotations

import json
import os
import re
import select
import time
from dataclasses import dataclass, field
from typing import Any

from app.paste import diagnostics
from app.runner import hygiene, sandbox

GCC = "/usr/bin/gcc"
OBJDUMP = "/usr/bin/objdump"
PROGRAM = "prog"
CFLAGS = (
    "-g",  # debug info: which line each return address is on
    "-O0",  # one statement, one place: the line of a call is the line the student wrote
    "-std=gnu17",
    "-pthread",
    "-Wall",
    "-fdiagnostics-plain-output",
)
WALL_FACTOR, WALL_EXTRA_S = 4, 5.0  # the compile ends after 4 x compile_s + 5 s of wall time
MAX_OUTPUT = 8 << 20  # the program and what gcc said: past this the compile fails
_ROW = re.compile(rf"^{re.escape(diagnostics.SOURCE_NAME)}\s+(\d+)\s+(0x[0-9a-f]+)", re.MULTILINE)


@dataclass
class Compiled:
    ok: bool
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    program: bytes = b""
    lines: list[list[int]] = field(default_factory=list)  # [address, line], by address
    seconds: float = 0.0
    why: str = ""  # when not ok and gcc said nothing: the limit that ended it


def line_table(text: str) -> list[list[int]]:
    """objdump --dwarf=decodedline's rows of the student's file as [address, line]."""
    return sorted([int(a, 16), int(n)] for n, a in _ROW.findall(text))


def compile_source(source: str, policy: sandbox.Policy, limits: dict[str, Any]) -> Compiled:
    """gcc on `source` inside `policy`'s boundary, within `limits` (compile_s, memory_mb)."""
    began = time.monotonic()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        code = 70
        try:
            os.close(r)
            _inside(source, policy, limits, w)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    # A backstop in wall time, generous: on a loaded machine a CPU second takes several.
    data = _read_all(r, began + float(limits["compile_s"]) * WALL_FACTOR + WALL_EXTRA_S)
    os.close(r)
    hygiene.kill_tree(os.getpid())  # gcc's helpers too, should a limit have cut it short
    seconds = time.monotonic() - began
    head, _, program = data.partition(b"\n")
    try:
        said: dict[str, Any] = json.loads(head)
    except ValueError:
        why = "time" if seconds >= float(limits["compile_s"]) else "limit"
        return Compiled(False, seconds=seconds, why=why)
    text = str(said.get("stderr", ""))
    items = diagnostics.parse(text)
    if said.get("rc") != 0 or len(program) != said.get("size"):
        why = "" if items else ("signal" if int(said.get("rc", 0)) < 0 else "limit")
        if not items and text.strip():
            items = [{"line": None, "column": None, "severity": "error", "message": text[-500:]}]
        return Compiled(False, items, seconds=seconds, why=why)
    return Compiled(True, items, program, line_table(str(said.get("table", ""))), seconds)


def _read_all(fd: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while size <= MAX_OUTPUT:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _inside(source: str, policy: sandbox.Policy, limits: dict[str, Any], out: int) -> None:
    """In the forked child: into the boundary, then gcc and objdump as the run's uid."""
    os.setsid()
    hygiene.set_limits(
        {"cpu_s": limits["compile_s"], "memory_mb": limits["memory_mb"], "max_procs": 8}
    )
    sandbox.enter(policy)
    env = sandbox.environment(policy.home) | {"LC_ALL": "C.UTF-8"}
    with open(diagnostics.SOURCE_NAME, "w") as f:
        f.write(source)
    rc, said = _run([GCC, *CFLAGS, "-o", PROGRAM, diagnostics.SOURCE_NAME], env)
    table, program = "", b""
    if rc == 0:
        _, table = _run([OBJDUMP, "--dwarf=decodedline", PROGRAM], env)
        with open(PROGRAM, "rb") as f:
            program = f.read()
    head = json.dumps({"rc": rc, "stderr": said[-20000:], "table": table, "size": len(program)})
    os.write(out, head.encode() + b"\n")
    view = memoryview(program)
    while view:
        view = view[os.write(out, view) :]


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """argv's exit status (negative: killed by that signal) and what it wrote, 1 MiB at most."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.dup2(w, 1)
            os.dup2(w, 2)
            fd = os.open("/dev/null", os.O_RDONLY)
            os.dup2(fd, 0)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    os.close(w)
    chunks: list[bytes] = []
    while chunk := os.read(r, 1 << 16):
        if sum(map(len, chunks)) < 1 << 20:
            chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    return rc, b"".join(chunks).decode("utf-8", "replace")

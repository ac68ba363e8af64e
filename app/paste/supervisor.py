"""A traced run of a student's own C program: compile it (or find it cached), then trace it.

The run's supervisor compiles before anything else, inside the run's boundary
(compile.py), and says how in a `compile` event right after `run.start`. A source that does
not compile ends the run there, with reason `compile-error` and gcc's diagnostics on that
event. One that does is traced exactly as the C examples are (app/strace/), and every call
event gets the line of the student's source it was made from (linemap.py).
"""

from __future__ import annotations

import dataclasses
import socket
import time
from typing import Any

from app.paste import cache, linemap
from app.paste.compile import Compiled, compile_source
from app.runner import sandbox
from app.runner.cell import Cell
from app.runner.serve import serve_run
from app.runner.supervisor import RunOver, Supervisor
from app.runner.world import Proc
from app.strace.supervisor import TraceSupervisor
from app.strace.track import Step

CALL_EVENTS = ("call.enter", "call.block", "call.return")


class PastedSupervisor(TraceSupervisor):
    def __init__(
        self, out: socket.socket, request: dict[str, Any], cell: Cell | None = None
    ) -> None:
        if cell is not None:
            cell.discard()  # gcc, then strace, enter the boundary themselves
        trace = dict(request["trace"])
        source, limits = str(trace.pop("c_source")), dict(trace.pop("compile"))
        Supervisor.__init__(self, out, {**request, "program": {"procs": {}}})
        began = time.monotonic()
        entry = cache.find(source)
        self.cached = entry is not None
        if entry is None:
            self.compiled = compile_source(source, self.compile_policy(), limits)
            if self.compiled.ok:
                entry = cache.put(source, self.compiled.program, self.compiled.lines, limits)
        else:
            self.compiled = Compiled(True)
        self.compile_s = time.monotonic() - began
        self.linemap: linemap.LineMap | None = None
        self.current: dict[int, int | None] = {}
        if entry is None:
            return
        super().__init__(out, {**request, "trace": {**trace, "pasted": entry.folder.name}})
        self.linemap = linemap.load(str(entry.program), entry.lines())

    def compile_policy(self) -> sandbox.Policy:
        """The run's own boundary, for gcc: its uid, its directory, no files of ours in it."""
        return dataclasses.replace(self.policy(), files={})

    def announce(self, backend: str) -> None:
        super().announce(backend)
        c = self.compiled
        self.emit(
            "compile",
            None,
            ok=c.ok,
            cached=self.cached,
            seconds=round(self.compile_s, 4),
            diagnostics=c.diagnostics,
        )
        if not c.ok:
            first = next((d for d in c.diagnostics if d["severity"] == "error"), None)
            where = (
                f" (line {first['line']}: {first['message']})" if first and first["line"] else ""
            )
            raise RunOver(
                "compile-error",
                f"the program did not compile{where}",
                "end.compile_error" if c.diagnostics else f"end.compile_{c.why or 'limit'}",
            )

    def start(self) -> None:
        if not self.compiled.ok:
            self.announce("strace")
        super().start()

    def returned_traced(self, proc: Proc, step: Step) -> None:
        super().returned_traced(proc, step)
        if step["call"] == "execve":
            # strace holds the student's program at every call: it is stepped, not "an
            # exec'd program that moves by itself" (app/runs/control.py refuses to step those).
            proc.program = []

    def emit(
        self, type_: str, pid: int | None, state: dict[str, Any] | None = None, **fields: Any
    ) -> None:
        if pid is not None and self.linemap is not None:
            # A thread's call is on that thread's stack: /proc/TID/syscall and its stack
            # pointer, not the process's main thread (asleep in pthread_join, say).
            who = int(fields.get("tid") or pid)
            if type_ == "call.enter" or (type_ in CALL_EVENTS and self.current.get(who) is None):
                self.current[who] = self.linemap.line(who)
            if type_ in CALL_EVENTS:
                fields["line"] = self.current.get(who)
            gone = type_ in ("proc.exit", "thread.exit")
            if gone or (type_ == "call.return" and fields.get("call") == "execve"):
                self.linemap.forget(who)
                self.current.pop(who, None)
        if self.linemap is None:  # nothing is traced: the strace supervisor was never set up
            Supervisor.emit(self, type_, pid, state, **fields)
        else:
            super().emit(type_, pid, state, **fields)


def serve_pasted(out: socket.socket, request: dict[str, Any], cell: Cell | None = None) -> None:
    serve_run(out, request, PastedSupervisor, cell)

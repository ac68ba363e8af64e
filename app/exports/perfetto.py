"""A run as Chrome's Trace Event Format (the JSON Object Format), which ui.perfetto.dev and
Perfetto's trace processor open: `{"traceEvents": [...], "displayTimeUnit": "ms"}`.

Each process of the run is a process track (`pid`) with its main thread (`tid` = `pid`), and
a thread track for each thread it starts (`tid`, named `thread TID`, from its thread.start),
named by metadata events (`ph: "M"`, `process_name`, `thread_name`, `process_sort_index`: the
order they started). Each call is a complete event (`ph: "X"`, `ts` and `dur` in µs from the run's
start) from its call.enter to its call.return, with its arguments, return and errno in
`args`; a call that blocked holds a child slice from its call.block to the next thing it did
(`blocked in write`, its wchan in `args`), so a writer asleep on a full pipe is a long bar.
The run itself is one more process track, the supervisor's (the first process's parent): it
holds a counter for each pipe's bytes (`ph: "C"`, one counter name a pipe, as FIONREAD read
them after each event) and the run's start and end as instant events (`ph: "i"`); signals and
exits are instant events on their process's thread, a thread's exit on its own.

Slices on one thread nest and never partly overlap (the format asks it of `X` events): a
thread makes one call at a time, and a child slice lies inside its call. Times are whole
microseconds (the events' `t` has six decimals), so a child's end is exactly its parent's.
Written as a stream: an `X` event is complete once its call returns, and nothing waits for the
end of the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

ARGS_KEPT = 16  # arguments copied into a slice's args, at most (a call has a handful)
Thread = tuple[int, int]  # (pid, tid): a process's main thread is (pid, pid)


def us(t: float) -> int:
    return round(t * 1_000_000)


class PerfettoTrace:
    """Trace events out as run events come in."""

    def __init__(self) -> None:
        self.run_pid = 0  # the supervisor's pid, once the first process names its parent
        self.open: dict[Thread, dict[str, Any]] = {}  # a thread -> its call.enter
        self.blocked: dict[Thread, dict[str, Any]] = {}  # a thread -> its call.block, asleep
        self.bytes: dict[str, int] = {}  # pipe id -> the bytes its counter shows
        self.procs = 0
        self.start: dict[str, Any] | None = None

    def feed(self, ev: dict[str, Any]) -> Iterator[dict[str, Any]]:
        kind, pid, ts = ev["type"], ev.get("pid"), us(ev["t"])
        who = (pid, int(ev.get("tid") or pid)) if pid is not None else (0, 0)
        if kind == "run.start":
            self.start = ev  # its instant goes out with the first process, on the run's track
        elif kind == "proc.start" and pid is not None:
            yield from self.started(ev, pid)
        elif kind == "thread.start" and pid is not None:
            yield {"name": "thread_name", "ph": "M", "pid": pid, "tid": who[1],
                   "args": {"name": f"thread {who[1]}"}}  # fmt: skip
        elif kind == "thread.exit" and pid is not None:
            yield from self.finish(who, ts, None)
            yield instant("thread exit", "exit", who, ts, {"seq": ev["seq"]})
        elif kind == "call.enter" and pid is not None:
            yield from self.finish(who, ts, None)  # never two calls at once in one thread
            self.open[who] = ev
        elif kind == "call.block" and pid is not None and who in self.open:
            yield from self.wake(who, ts)
            self.blocked[who] = ev
        elif kind == "call.return" and pid is not None:
            yield from self.finish(who, ts, ev)
        elif kind == "signal" and pid is not None:
            name = f"{ev['signal']} ({ev['action']})"
            keep = ("signal", "signo", "action", "sender", "code", "handler_mask")
            yield instant(name, "signal", who, ts, {k: ev.get(k) for k in keep})
        elif kind == "proc.exit" and pid is not None:
            for thread in [t for t in self.open if t[0] == pid]:  # exit_group ends them all
                yield from self.finish(thread, ts, None)
            said = f"exited with {ev['exit_code']}" if ev["status"] == "exited" else ""
            name = said or f"killed by {ev['signal']}"
            args = {"status": ev["status"], "seq": ev["seq"]}
            yield instant(name, "exit", (pid, pid), ts, args)
        elif kind == "run.end":
            for thread in list(self.open):
                yield from self.finish(thread, ts, None)
            args = {"reason": ev["reason"], "message": ev["message"], "killed": ev["killed"]}
            run = (self.run_pid, self.run_pid)
            yield instant(f"run.end: {ev['reason']}", "run", run, ts, args, scope="p")
        yield from self.counters(ev, ts)

    def started(self, ev: dict[str, Any], pid: int) -> Iterator[dict[str, Any]]:
        if self.procs == 0:
            self.run_pid = ev.get("ppid") or 0
            yield from named(self.run_pid, "pipescope run (supervisor)", 0)
            if self.start is not None:
                s = self.start
                args = {k: s.get(k) for k in ("run", "scenario", "mode", "backend", "limits")}
                run = (self.run_pid, self.run_pid)
                yield instant("run.start", "run", run, us(s["t"]), args, scope="p")
        self.procs += 1
        said = ev["name"] if ev["name"] == ev["role"] else f"{ev['name']} ({ev['role']})"
        yield from named(pid, said, self.procs)

    def wake(self, who: Thread, ts: int) -> Iterator[dict[str, Any]]:
        """The sleep that ended by `ts`, as a child slice of its call."""
        block = self.blocked.pop(who, None)
        if block is None:
            return
        on = block["blocked_on"]
        args = {"wchan": on["wchan"], "fd": on["fd"], "pipe": on["pipe"], "socket": on["socket"]}
        if on.get("path"):
            args["path"] = on["path"]
        start = us(block["t"])
        yield slice_(f"blocked in {on['call']}", "blocked", who, start, ts, args | seq(block))

    def finish(self, who: Thread, ts: int, ret: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
        """The call a thread is in ends at `ts`: it returned (`ret`), or the thread ended."""
        enter = self.open.pop(who, None)
        yield from self.wake(who, ts)
        if enter is None and ret is None:
            return
        ev = ret or enter
        assert ev is not None
        start = us(enter["t"]) if enter is not None else ts
        args: dict[str, Any] = dict(list((ev.get("args") or {}).items())[:ARGS_KEPT])
        if ret is not None:
            args |= {"return": ret["ret"], "errno": ret["errno"], "blocked": ret["blocked"]}
            args["return_seq"] = ret["seq"]
            if ret.get("data") is not None:
                args["data"] = ret["data"]
        else:
            args["return"] = None  # it never returned: exit_group, or a death inside it
        args |= {"line": ev.get("line"), "seq": (enter or ev)["seq"]}
        yield slice_(ev["call"], "syscall", who, start, ts, args)

    def counters(self, ev: dict[str, Any], ts: int) -> Iterator[dict[str, Any]]:
        """Each pipe's bytes when they change; a pipe the kernel freed goes back to 0."""
        state = ev.get("state") or {}
        now = {p["id"]: pipe_bytes(p) for p in state.get("pipes", [])}
        for gone in state.get("gone", {}).get("pipes", []):
            now.setdefault(gone["id"], 0)
        for pipe_id, count in now.items():
            if self.bytes.get(pipe_id) != count:
                self.bytes[pipe_id] = count
                # Perfetto names the track `name key`: "pipe:[8322] bytes".
                yield {"name": pipe_id, "cat": "pipe", "ph": "C", "ts": ts, "pid": self.run_pid,
                       "tid": self.run_pid, "args": {"bytes": count}}  # fmt: skip


def pipe_bytes(pipe: dict[str, Any]) -> int:
    """FIONREAD's count; where the kernel could not be asked, the ring's (the calls' model)."""
    if pipe.get("bytes") is not None:
        return int(pipe["bytes"])
    return sum(s["len"] for s in pipe["ring"]["slots"] if s)


def seq(ev: dict[str, Any]) -> dict[str, Any]:
    return {"seq": ev["seq"]}


def slice_(
    name: str, cat: str, who: Thread, start: int, end: int, args: dict[str, Any]
) -> dict[str, Any]:
    return {"name": name, "cat": cat, "ph": "X", "ts": start, "dur": max(0, end - start),
            "pid": who[0], "tid": who[1], "args": args}  # fmt: skip


def instant(
    name: str, cat: str, who: Thread, ts: int, args: dict[str, Any], scope: str = "t"
) -> dict[str, Any]:
    return {"name": name, "cat": cat, "ph": "i", "s": scope, "ts": ts, "pid": who[0],
            "tid": who[1], "args": args}  # fmt: skip


def named(pid: int, name: str, order: int) -> Iterator[dict[str, Any]]:
    for what, args in (
        ("process_name", {"name": name}),
        ("process_sort_index", {"sort_index": order}),
        ("thread_name", {"name": name}),
    ):
        yield {"name": what, "ph": "M", "pid": pid, "tid": pid, "args": args}


def render(lines: Iterable[str], run_id: str) -> Iterator[str]:
    """The trace's JSON text, from the run's recorded events, a few events at a time."""
    trace = PerfettoTrace()
    yield '{"displayTimeUnit": "ms", '
    yield f'"otherData": {json.dumps({"pipescope_run": run_id})}, "traceEvents": [\n'
    first = True
    for text in lines:
        out = [json.dumps(e) for e in trace.feed(json.loads(text))]
        if out:
            yield ("" if first else ",\n") + ",\n".join(out)
            first = False
    yield "\n]}\n"

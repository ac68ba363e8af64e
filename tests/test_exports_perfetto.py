"""The Perfetto export is Trace Event JSON that ui.perfetto.dev opens: valid against the
format's schema (tests/data/trace_event_format.schema.json, written from its document), its
slices nesting on every thread as the format demands, and the full pipe's story told by it:
the writer's write blocked for as long as the reader slept, the pipe's counter at 65536."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from exports_runs import CHAPTERS, Exported, export
from service_client import Client

SCHEMA = json.loads((Path(__file__).parent / "data" / "trace_event_format.schema.json").read_text())
Slices = list[dict[str, Any]]


def slices(trace: dict[str, Any]) -> Slices:
    return [e for e in trace["traceEvents"] if e["ph"] == "X"]


def end(s: dict[str, Any]) -> float:
    return float(s["ts"] + s["dur"])


def partial_overlaps(found: Slices) -> list[tuple[str, str]]:
    """Pairs of slices on one thread that overlap without one holding the other."""
    by_thread: dict[tuple[int, int], Slices] = defaultdict(list)
    for s in found:
        by_thread[s["pid"], s["tid"]].append(s)
    bad = []
    for thread in by_thread.values():
        stack: Slices = []
        for s in sorted(thread, key=lambda s: (s["ts"], -s["dur"])):
            while stack and end(stack[-1]) <= s["ts"] and not (stack[-1]["dur"] == 0 == s["dur"]):
                stack.pop()
            if stack and end(s) > end(stack[-1]):
                bad.append((stack[-1]["name"], s["name"]))
            stack.append(s)
    return bad


def test_the_nesting_check_finds_a_partial_overlap() -> None:
    a = {"name": "a", "pid": 1, "tid": 1, "ts": 0, "dur": 10}
    b = {"name": "b", "pid": 1, "tid": 1, "ts": 5, "dur": 10}
    inner = {"name": "c", "pid": 1, "tid": 1, "ts": 2, "dur": 3}
    assert partial_overlaps([a, b]) == [("a", "b")]
    assert partial_overlaps([a, inner]) == []


@pytest.mark.parametrize("scenario", CHAPTERS)
def test_every_chapters_trace_is_valid_and_nests(
    exported: dict[str, Exported], scenario: str
) -> None:
    trace = exported[scenario].perfetto
    jsonschema.Draft202012Validator(SCHEMA).validate(trace)
    assert trace["displayTimeUnit"] == "ms"
    assert partial_overlaps(slices(trace)) == []
    # One named track a process, and one slice a call that returned.
    names = {e["pid"]: e["args"]["name"] for e in trace["traceEvents"]
             if e["ph"] == "M" and e["name"] == "process_name"}  # fmt: skip
    events = exported[scenario].events
    assert {e["pid"] for e in events if e["type"] == "proc.start"} <= set(names)
    returned = {e["seq"] for e in events if e["type"] == "call.return"}
    calls = [s for s in slices(trace) if s["cat"] == "syscall"]
    assert {s["args"].get("return_seq") for s in calls} - {None} == returned


def test_the_full_pipes_writer_is_blocked_in_its_write(exported: dict[str, Exported]) -> None:
    run = exported["full-buffer"]
    trace = run.perfetto
    writer = next(e["pid"] for e in run.events if e.get("role") == "writer")
    reader = next(e["pid"] for e in run.events if e.get("role") == "reader")
    blocked = [s for s in slices(trace) if s["pid"] == writer and s["name"] == "blocked in write"]
    assert blocked, "the writer's write never shows as blocked"
    sleep = blocked[0]
    assert sleep["args"]["wchan"].endswith("pipe_write") and sleep["args"]["fd"] == 4
    # Inside the write it belongs to, which lasts at least as long.
    write = next(s for s in slices(trace) if s["pid"] == writer and s["name"] == "write"
                 and s["ts"] <= sleep["ts"] and end(sleep) <= end(s))  # fmt: skip
    assert write["args"]["blocked"] is True and write["args"]["return"] == 4096
    # While it slept, the reader read: the read that woke it lies within the sleep.
    reads = [s for s in slices(trace) if s["pid"] == reader and s["name"] == "read"]
    assert any(sleep["ts"] <= r["ts"] and end(r) <= end(sleep) for r in reads)
    # And the pipe's counter shows the ring full when the writer went to sleep.
    pipe = sleep["args"]["pipe"]
    counter = [c for c in trace["traceEvents"] if c["ph"] == "C" and c["name"] == pipe]
    at_sleep = [c["args"]["bytes"] for c in counter if c["ts"] <= sleep["ts"]][-1]
    assert at_sleep == 65536
    assert counter[-1]["args"]["bytes"] == 0  # freed: the counter goes back to 0


def test_signals_and_exits_are_instants(exported: dict[str, Exported]) -> None:
    trace = exported["signals-dont-queue"].perfetto
    instants = [e for e in trace["traceEvents"] if e["ph"] == "i"]
    assert {"SIGUSR1 (pending)", "SIGUSR1 (merged)", "SIGUSR1 (handle)"} <= {
        i["name"] for i in instants
    }
    assert sum(i["name"] == "exited with 0" for i in instants) == 2
    assert [i["name"] for i in instants if i["cat"] == "run"] == ["run.start", "run.end: exited"]


def trace_processor() -> str | None:
    """Perfetto's trace processor, where one is installed (it needs the internet to fetch one:
    PyPI's `perfetto` downloads its binary on first use)."""
    return os.environ.get("TRACE_PROCESSOR_SHELL") or shutil.which("trace_processor_shell")


@pytest.mark.skipif(trace_processor() is None, reason="no Perfetto trace processor here")
def test_perfettos_trace_processor_loads_it(exported: dict[str, Exported], tmp_path: Path) -> None:
    path = tmp_path / "full-buffer.perfetto.json"
    path.write_text(json.dumps(exported["full-buffer"].perfetto))
    query = tmp_path / "q.sql"
    query.write_text("select count(*) from slice where name = 'blocked in write';")
    shell = trace_processor()
    assert shell is not None
    out = subprocess.run(
        [shell, "-q", str(query), str(path)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1].strip() not in ("0", '"0"')


def test_each_thread_is_a_track_of_its_process(api: Client) -> None:
    """A two-thread program: each thread's calls on its own track (pid, tid), named, nesting;
    none filed under the main thread, which sleeps in pthread_join meanwhile."""
    program = (Path(__file__).parent / "data" / "c" / "threads_pipe.c").read_text()
    run = api.start(c_source=program + f"/* perfetto {uuid.uuid4().hex} */\n")
    api.wait_ended(run["id"])
    events = api.events(run["id"])
    trace = json.loads(export(api, run["id"], "perfetto"))
    jsonschema.Draft202012Validator(SCHEMA).validate(trace)
    assert partial_overlaps(slices(trace)) == []
    pid = next(e["pid"] for e in events if e["type"] == "thread.start")
    tids = [e["tid"] for e in events if e["type"] == "thread.start"]
    named = {(e["pid"], e["tid"]): e["args"]["name"] for e in trace["traceEvents"]
             if e["ph"] == "M" and e["name"] == "thread_name"}  # fmt: skip
    assert all(named.get((pid, tid)) == f"thread {tid}" for tid in tids), named
    expected = {
        (e["tid"], e["call"]) for e in events if e["type"] == "call.return" and e["tid"] != pid
    }
    on_threads = {(s["tid"], s["name"]) for s in slices(trace) if s["cat"] == "syscall"}
    assert expected and expected <= on_threads
    assert {("read", t) for t in tids} <= {(s["name"], s["tid"]) for s in slices(trace)}
    exits = [e for e in trace["traceEvents"] if e["ph"] == "i" and e["name"] == "thread exit"]
    assert sorted(e["tid"] for e in exits) == sorted(tids)

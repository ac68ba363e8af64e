"""The corpus: classic C programs (tests/data/c/) run under our strace backend, each to the
end its story expects, and checked against plain `strace -f` of the same binary.

For each program: every pipe-related call plain strace shows is in our events, thread by
thread, in order, with the same return; the ring is exact at every event (strace sees every
call that moves a pipe's bytes, so no byte moves unseen); no event of one process carries
another's closed fd; and the story's key calls come in its order.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from app.events import Event
from app.exports import strace_text

sys.path.insert(0, str(Path(__file__).parent / "runner"))
import corpus
from support import DEFAULT_LIMITS, ForkServer, alive
from terminal import terminal_text

Events = list[dict[str, Any]]
EVENT: TypeAdapter[Any] = TypeAdapter(Event)


@pytest.fixture(scope="module")
def fs() -> Iterator[ForkServer]:
    server = ForkServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def runs(fs: ForkServer) -> dict[str, Events]:
    """Each program once (a deadlock until a short time limit), shared by the tests below."""
    out = {}
    for name in corpus.names():
        limits = DEFAULT_LIMITS | ({"wall_s": 1} if corpus.story(name)["end"] == "timeout" else {})
        out[name] = fs.start(corpus.request(name, limits)).finish()
    return out


def test_the_corpus_has_a_story_for_each_of_at_least_twelve_programs() -> None:
    assert len(corpus.names()) >= 12
    for name in corpus.names():
        assert {"what", "end", "calls", "output"} <= set(corpus.story(name)), name


@pytest.mark.parametrize("name", corpus.names())
def test_each_program_runs_to_the_end_its_story_tells(runs: dict[str, Events], name: str) -> None:
    events, story = runs[name], corpus.story(name)
    end = events[-1]
    assert end["type"] == "run.end" and end["reason"] == story["end"], end["message"]
    told = corpus.ours(events)  # each thread's calls, named by how it was made
    for thread, wanted in story["calls"].items():
        got = [c[0] for c in told.get(thread, [])]
        assert corpus.subsequence(wanted, got), (thread, got)
    blocks = [e["call"] for e in events if e["type"] == "call.block"]
    assert corpus.subsequence(story.get("blocked", []), blocks), blocks
    assert terminal_text(events) == story["output"]
    for event in events:
        EVENT.validate_python(event)
    pids = {e["pid"] for e in events if e["type"] == "proc.start"}
    assert not any(alive(pid) for pid in pids)


@pytest.mark.parametrize("name", corpus.names())
def test_every_pipe_call_plain_strace_shows_is_in_our_events_with_its_return(
    runs: dict[str, Events], name: str
) -> None:
    theirs = corpus.plain(name)
    mine = corpus.ours(runs[name])
    assert theirs, "plain strace showed no pipe-related call"
    for thread, calls in theirs.items():
        assert thread in mine, (thread, sorted(mine))
        assert corpus.missing(calls, mine[thread]) == [], (thread, mine[thread])


@pytest.mark.parametrize("name", corpus.names())
def test_the_ring_is_exact_at_every_event(runs: dict[str, Events], name: str) -> None:
    for e in runs[name]:
        for pipe in e["state"]["pipes"]:
            assert pipe["ring"]["exact"], (e["seq"], e["type"], e.get("call"), pipe["id"])
            if pipe["bytes"] is not None:
                used = sum(s["len"] for s in pipe["ring"]["slots"] if s)
                assert used == pipe["bytes"], (e["seq"], e["type"], e.get("call"))


@pytest.mark.parametrize("name", corpus.names())
def test_a_closed_fd_goes_on_its_own_process_s_event(runs: dict[str, Events], name: str) -> None:
    """A close, a dup2 over an fd, an exec's close-on-exec: each pipe, FIFO or socket fd
    leaves on an event of the process that held it (its call's return, or its exit), never
    on another process's. (The loader's files close in calls hidden without all_calls.)"""
    for e in runs[name]:
        for fd in e["state"]["gone"]["fds"]:
            if fd["kind"] not in ("pipe", "fifo", "socket"):
                continue
            assert fd["pid"] == e["pid"], (e["seq"], e["type"], e.get("call"), fd)
            assert e["type"] in ("call.return", "proc.exit"), (e["seq"], e["type"], fd)


def test_threads_are_shown_inside_their_process(runs: dict[str, Events]) -> None:
    events = runs["threads_pipe"]
    (pid,) = {e["pid"] for e in events if e["type"] == "proc.start"}  # no invented child
    starts = [e for e in events if e["type"] == "thread.start"]
    exits = [e for e in events if e["type"] == "thread.exit"]
    tids = [e["tid"] for e in starts]
    assert len(tids) == 2 and pid not in tids and all(e["pid"] == pid for e in starts)
    assert sorted(e["tid"] for e in exits) == sorted(tids)
    # each thread's clone returns its tid, and its calls carry it
    clones = [e["ret"] for e in events if e["type"] == "call.return" and e["call"] == "clone"]
    assert sorted(clones) == sorted(tids)
    by = {e["tid"] for e in events if e["type"] == "call.return" and e["call"] == "read"}
    assert by <= set(tids)
    # a thread's exit is not the process's: it writes after both threads' exit calls, and
    # its own end comes after theirs
    gone = [e for e in events if e["type"] == "call.enter" and e["call"] == "exit"]
    joined = next(e for e in events if e.get("call") == "write" and e.get("tid") == pid)
    end = next(e for e in events if e["type"] == "proc.exit")
    assert {e["tid"] for e in gone} == set(tids)
    assert max(map(events.index, gone)) < events.index(joined) < events.index(end)
    assert events.index(end) > max(map(events.index, exits))
    mid = next(e for e in events if e["type"] == "call.return" and e.get("tid") in tids)
    (me,) = mid["state"]["procs"]
    assert [t["tid"] for t in me["threads"]] == [pid, *tids]
    last = events[-1]["state"]["procs"][0]
    assert last["status"] == "exited" and all(t["status"] == "exited" for t in last["threads"])


def test_a_thread_blocked_in_its_read_is_seen_in_its_own_wchan(runs: dict[str, Events]) -> None:
    events = runs["threads_pipe"]
    blocks = [e for e in events if e["type"] == "call.block" and e["tid"] != e["pid"]]
    for block in blocks:  # how many block depends on the scheduler; each is the thread's own
        (me,) = block["state"]["procs"]
        row = next(t for t in me["threads"] if t["tid"] == block["tid"])
        assert row["status"] == "blocked" and row["blocked_on"]["wchan"].endswith("pipe_read")
        assert me["status"] == "running"  # the process is not its thread


def test_a_sleeping_select_is_blocked_in_select_on_its_fds(runs: dict[str, Events]) -> None:
    events = runs["select_pipe"]
    block = next(e for e in events if e["type"] == "call.block" and e["call"] == "pselect6")
    (parent, *_) = block["state"]["procs"]
    assert parent["status"] == "blocked" and parent["blocked_on"]["call"] == "pselect6"
    assert parent["blocked_on"]["wchan"].startswith("poll_schedule_timeout")
    assert parent["blocked_on"]["fds"] == block["args"]["readfds"] == [3]
    ready = [e for e in events if e["type"] == "call.return" and e["call"] == "pselect6"]
    assert [(e["ret"], e["args"].get("readable")) for e in ready] == [(0, None), (1, [3])]


def test_vectored_and_zero_copy_calls_carry_their_bytes(runs: dict[str, Events]) -> None:
    vectored = {e["call"]: e for e in runs["vectored"] if e["type"] == "call.return"}
    assert vectored["writev"]["data"] == vectored["readv"]["data"] == "gathered in one\\n"
    tee = {e["call"]: e for e in runs["tee_splice"] if e["type"] == "call.return"}
    assert tee["tee"]["args"] == {"fd_in": 3, "fd_out": 6, "len": 10}
    after_tee = {p["id"]: p["bytes"] for p in tee["tee"]["state"]["pipes"]}
    assert sorted(after_tee.values()) == [0, 10, 10]  # copied, not taken
    after_splice = sorted(p["bytes"] for p in tee["splice"]["state"]["pipes"])
    assert after_splice == [0, 10, 10]  # b's bytes moved on to c


def test_vfork_s_child_runs_before_its_parent_returns(runs: dict[str, Events]) -> None:
    """docs/events.md: the child's calls up to its execve come between the parent's
    call.enter of the vfork and its call.return."""
    events = runs["vfork_exec"]
    parent = next(e["pid"] for e in events if e["type"] == "proc.start")
    enter = next(e for e in events if e["type"] == "call.enter" and e["call"] == "fork")
    ret = next(e for e in events if e["type"] == "call.return" and e["call"] == "fork")
    child = ret["ret"]
    born = next(e for e in events if e["type"] == "proc.start" and e["pid"] == child)
    dup2 = next(e for e in events if e.get("call") == "dup2" and e["pid"] == child)
    execve = next(
        e
        for e in events
        if e["type"] == "call.enter" and e.get("call") == "execve" and e["pid"] == child
    )
    order = [events.index(e) for e in (enter, born, dup2, execve, ret)]
    assert order == sorted(order) and born["ppid"] == parent


def test_pipe2_says_the_same_flags_going_in_and_coming_out(runs: dict[str, Events]) -> None:
    for name, events in runs.items():
        pipes = [e for e in events if e.get("call") == "pipe" and e["type"] != "call.block"]
        for enter, ret in zip(pipes[::2], pipes[1::2], strict=True):
            assert enter["type"] == "call.enter" and ret["type"] == "call.return", name
            assert enter["args"]["flags"] == ret["args"]["flags"], (name, enter["args"])


def test_with_all_calls_every_call_appears_by_its_name(fs: ForkServer) -> None:
    """Calls no view names (the loader's mmap, a thread's futex) are traced and shown by name,
    with strace's own words as their arguments, rather than dropped."""
    request = corpus.request("threads_pipe", DEFAULT_LIMITS)
    request["trace"]["all_calls"] = True
    events = fs.start(request).finish()
    assert events[-1]["reason"] == "exited"
    names = {e["call"] for e in events if e["type"] == "call.return"}
    assert {"futex", "mprotect", "rt_sigprocmask", "clone", "write", "read"} <= names
    futex = next(e for e in events if e.get("call") == "futex")
    assert futex["args"]["raw"].startswith("0x")


def test_the_strace_export_puts_a_thread_s_lines_under_its_own_id(
    runs: dict[str, Events],
) -> None:
    events = runs["threads_pipe"]
    tids = [e["tid"] for e in events if e["type"] == "thread.start"]
    text = "".join(strace_text.render(json.dumps(e) for e in events))
    for tid in tids:  # strace -o pads the pid to 5 columns, then one space
        assert re.search(rf"^{tid} +(read\(|<\.\.\. read resumed>)", text, re.M), text
        assert re.search(rf"^{tid} +\+\+\+ exited with 0 \+\+\+$", text, re.M), text

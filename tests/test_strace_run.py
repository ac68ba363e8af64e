"""Traced runs, through the real fork server: compiled C programs and pipelines under strace."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from app.events import Event
from app.scenarios import catalog
from app.strace import build, spec

sys.path.insert(0, str(Path(__file__).parent / "runner"))
import itertools

from support import ForkServer, alive
from terminal import terminal_text

Events = list[dict[str, Any]]


@pytest.fixture(scope="module")
def fs() -> Iterator[ForkServer]:
    server = ForkServer()
    yield server
    server.close()


def roles(events: Events) -> dict[int, str]:
    return {e["pid"]: e["role"] for e in events if e["type"] == "proc.start"}


def own(event: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in event["state"]["procs"] if p["pid"] == event["pid"])


class Story:
    """One role's call.returns, with pids and pipe ids replaced by names a second run shares."""

    def __init__(self, events: Events) -> None:
        self.events = events
        self.role = roles(events)
        self.pipes: dict[str, str] = {}

    def pipe(self, pipe_id: str | None) -> str | None:
        if pipe_id is None:
            return None
        return self.pipes.setdefault(pipe_id, f"pipe{len(self.pipes)}")

    def table(self, event: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (
                r["fd"],
                r["kind"],
                self.pipe(r["pipe"]),
                r["end"],
                r["mode"],
                r["nonblock"],
                r["cloexec"],
            )
            for r in own(event)["fds"]
        ]

    def returns(self, role: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["type"] == "call.return"
            and self.role.get(e["pid"]) == role
            and e["call"] != "execve"
        ]

    def calls(self, role: str) -> list[tuple[Any, ...]]:
        out = []
        for e in self.returns(role):
            ret = self.role.get(e["ret"], e["ret"]) if e["call"] == "fork" else e["ret"]
            out.append((e["call"], e["args"], ret, e["errno"], e["data"], e["data_truncated"]))
        return out

    def in_flight(self, event: dict[str, Any], pipe: str) -> bool:
        """Whether another process was inside a call on this pipe at this event: a call
        asleep in the kernel may move bytes while strace holds everyone else still."""
        inside: dict[int, dict[str, Any]] = {}
        for e in self.events[: self.events.index(event)]:
            if e["type"] == "call.enter":
                inside[e["pid"]] = e
            elif e["type"] in ("call.return", "proc.exit"):
                inside.pop(e["pid"], None)
        for pid, enter in inside.items():
            fd = enter["args"].get("fd")
            proc = next((p for p in event["state"]["procs"] if p["pid"] == pid), None)
            if pid != event["pid"] and any(
                r["fd"] == fd and r["pipe"] == pipe for r in (proc or {}).get("fds", [])
            ):
                return True
        return False

    def pipe_of(self, event: dict[str, Any]) -> dict[str, Any] | None:
        fd = event["args"].get("fd")
        row = next((r for r in own(event)["fds"] if r["fd"] == fd and r["pipe"]), None)
        return next((p for p in event["state"]["pipes"] if row and p["id"] == row["pipe"]), None)


def test_the_traced_seed_program_tells_the_runner_s_story(fs: ForkServer) -> None:
    ran = Story(fs.scenario("hello-pipe").finish())
    traced = Story(fs.scenario("trace-hello-pipe").finish())
    assert traced.events[0]["backend"] == "strace" and ran.events[0]["backend"] == "runner"
    for role in ("parent", "child"):
        # the same calls with the same arguments, returns and bytes, process by process
        assert traced.calls(role) == ran.calls(role), role
        # and each is the same line of hello_pipe.c
        assert [e["line"] for e in traced.returns(role)] == [e["line"] for e in ran.returns(role)]
        for mine, theirs in zip(traced.returns(role), ran.returns(role), strict=True):
            # the caller's own fd table after each of its calls: read from /proc both times
            assert traced.table(mine) == ran.table(theirs), (role, mine["call"], mine["args"])
            # the bytes queued after each read and write on the pipe
            pipe, other = traced.pipe_of(mine), ran.pipe_of(theirs)
            if (
                mine["call"] in ("read", "write")
                and pipe
                and not traced.in_flight(mine, pipe["id"])
            ):
                assert other is not None and pipe["bytes"] == other["bytes"], (role, mine["call"])
    deaths = [
        (traced.role[e["pid"]], e["status"], e["exit_code"])
        for e in traced.events
        if e["type"] == "proc.exit"
    ]
    assert sorted(deaths) == [("child", "exited", 0), ("parent", "exited", 0)]
    assert terminal_text(traced.events) == terminal_text(ran.events) == "hello pipe\n"
    assert not any(alive(pid) for pid in traced.role)


def test_the_bytes_in_a_traced_pipe_are_what_its_calls_moved(fs: ForkServer) -> None:
    """Whatever the interleaving: at every event with no call on the pipe still out, FIONREAD
    says what the returned writes put in minus what the returned reads took out."""
    story = Story(fs.scenario("trace-full-buffer").finish())  # the reader sleeps first
    moved: dict[str, int] = {}
    checked = 0
    for e in story.events:
        if e["type"] == "call.return" and e["call"] in ("read", "write") and e["ret"] > 0:
            pipe = story.pipe_of(e)
            if pipe is not None:
                moved[pipe["id"]] = moved.get(pipe["id"], 0) + e["ret"] * (
                    1 if e["call"] == "write" else -1
                )
        for pipe in e["state"]["pipes"]:
            if pipe["id"] in moved and not story.in_flight(e, pipe["id"]):
                assert pipe["bytes"] == moved[pipe["id"]], (e["seq"], e["type"], e.get("call"))
                checked += 1
    assert checked >= 16  # at least while the writer fills the pipe and the reader sleeps


def test_yes_dies_of_sigpipe_once_head_has_closed_its_end(fs: ForkServer) -> None:
    events = fs.scenario("trace-yes-head").finish()
    role = roles(events)
    yes, head = (pid for pid, r in role.items() if r in ("yes", "head"))
    signal = next(e for e in events if e["type"] == "signal")
    assert (signal["pid"], signal["signal"], signal["action"]) == (yes, "SIGPIPE", "kill")
    death = next(e for e in events if e["type"] == "proc.exit" and e["pid"] == yes)
    assert (death["status"], death["signal"]) == ("killed", "SIGPIPE")
    assert events.index(signal) < events.index(death)
    # head had closed its read end (its stdin) before: no reader was left
    closed = next(
        e
        for e in events
        if e["type"] == "call.return"
        and e["pid"] == head
        and e["call"] == "close"
        and e["args"]["fd"] == 0
    )
    assert events.index(closed) < events.index(signal)
    assert all(p["readers"] == 0 for p in signal["state"]["pipes"])
    assert terminal_text(events) == "y\ny\ny\n"
    assert events[-1]["reason"] == "exited"
    assert all(p["reaped"] for p in events[-1]["state"]["procs"])


def test_a_writer_blocks_on_the_full_pipe_and_the_kernel_says_where(fs: ForkServer) -> None:
    events = fs.scenario("trace-full-buffer").finish()
    writer = next(pid for pid, r in roles(events).items() if r == "writer")
    block = next(e for e in events if e["type"] == "call.block" and e["pid"] == writer)
    assert block["call"] == "write" and block["blocked_on"]["wchan"].endswith("pipe_write")
    (pipe,) = block["state"]["pipes"]
    assert block["blocked_on"]["pipe"] == pipe["id"]
    assert (pipe["bytes"], pipe["capacity"]) == (65536, 65536)  # 16 pages of 4096: full
    assert own(block)["status"] == "blocked"
    read = sum(
        e["ret"]
        for e in events
        if e["type"] == "call.return" and e["call"] == "read" and e["ret"] > 0
    )
    assert read == 25 * 4096  # every byte written came out (25 writes of 4096 >= 100000)
    assert events[-1]["reason"] == "exited"


def test_a_forgotten_write_end_keeps_the_reader_blocked_until_the_time_limit(
    fs: ForkServer,
) -> None:
    run = fs.scenario("trace-forgot-close", limits={"wall_s": 1})
    events = run.finish()
    end = events[-1]
    assert end["type"] == "run.end" and end["reason"] == "timeout"
    child = next(pid for pid, r in roles(events).items() if r == "child")
    assert child in end["killed"]
    me = next(p for p in end["state"]["procs"] if p["pid"] == child)
    assert me["status"] == "blocked" and me["blocked_on"]["call"] == "read"
    (pipe,) = end["state"]["pipes"]
    assert (pipe["bytes"], pipe["writers"]) == (0, 1)  # the child's own write end
    assert not any(alive(pid) for pid in end["killed"])


def test_loader_and_libc_calls_show_only_when_asked(fs: ForkServer) -> None:
    quiet = fs.scenario("trace-hello-pipe").finish()
    loud = fs.scenario("trace-hello-pipe", {"all_calls": True}).finish()
    for e in quiet:
        if e["type"] == "call.return" and "fd" in e["args"]:
            assert (
                e["args"]["fd"] in (0, 1, 2)
                or any(r["fd"] == e["args"]["fd"] and r["kind"] == "pipe" for r in own(e)["fds"])
                or e["call"] == "close"
            ), e
    assert not any(e.get("call") == "openat" for e in quiet)
    assert any(e.get("call") == "openat" and "libc.so" in str(e["args"]) for e in loud)
    assert len(loud) > len(quiet)


def test_a_long_output_reaches_the_terminal_whole_each_character_once(fs: ForkServer) -> None:
    """108,894 characters through cat's writes to the terminal: each event carries what it
    added, in order, and nothing is lost or told twice (terminal_text checks output_at)."""
    printed = "".join(sorted(f"{n}\n" for n in range(1, 20001)))
    events = fs.scenario("trace-pipeline", {"command": "seq 20000 | sort | cat"}).finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    assert terminal_text(events) == printed


def test_a_composed_pipeline_runs_each_command_as_its_own_process(fs: ForkServer) -> None:
    events = fs.scenario("trace-pipeline", {"command": "seq 100 | sort -r | head -n 3"}).finish()
    assert events[-1]["reason"] == "exited"
    names = [p["name"] for p in events[-1]["state"]["procs"]]
    assert names == ["shell", "seq", "sort", "head"]
    assert terminal_text(events) == "99\n98\n97\n"  # sort -r sorts text, not numbers
    dup2s = {
        (e["args"]["oldfd"], e["args"]["newfd"])
        for e in events
        if e["type"] == "call.return" and e["call"] == "dup2"
    }
    assert {(4, 1), (3, 0)} <= dup2s  # each pipe's ends onto stdout and stdin


def test_every_traced_event_keeps_the_contract(fs: ForkServer) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(Event)
    events = fs.scenario("trace-shell-pipeline", {"all_calls": True}).finish()
    for event in events:
        adapter.validate_python(event)
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert all(a["t"] <= b["t"] for a, b in itertools.pairwise(events))


def test_step_mode_holds_the_whole_program_still(fs: ForkServer) -> None:
    run = fs.scenario("trace-hello-pipe", mode="step")
    assert run.next_event()["type"] == "run.start"  # type: ignore[index]
    run.control(op="step")
    first = run.next_event()
    run.control(op="step")
    second = run.next_event()
    assert first and second and (first["type"], second["type"]) == ("proc.start", "call.enter")
    run.control(op="kill")
    rest = run.finish()[3:]
    # nothing ran past the two steps: the program was stopped at its execve when killed
    assert [e["type"] for e in rest] == ["run.end"]
    assert rest[0]["reason"] == "killed" and rest[0]["killed"] == [first["pid"]]


def test_only_allowlisted_programs_and_examples_run() -> None:
    with pytest.raises(spec.SpecError):
        spec.resolve({"pipeline": [["rm", "-rf", "x"]]})
    with pytest.raises(spec.SpecError):
        spec.resolve({"pipeline": [["cat", "../../etc/shadow"]]})
    with pytest.raises(spec.SpecError):
        spec.resolve({"example": "../../bin/sh"})
    with pytest.raises(catalog.ValidationError):
        catalog.get("trace-pipeline").request({"command": "ls; sh"})  # type: ignore[union-attr]
    with pytest.raises(catalog.ValidationError):
        catalog.get("trace-pipeline").request({"command": "ls | python3"})  # type: ignore[union-attr]


def test_examples_compile_once_and_again_for_other_values() -> None:
    path = build.binary("full_buffer")
    assert build.binary("full_buffer") == path and Path(path).name == "full_buffer"
    other = build.binary("full_buffer", {"total": 5000})
    assert other != path
    source = (build.EXAMPLES / "full_buffer.c").read_text()
    written = build.with_values(source, {"total": 5000})
    assert len(written.splitlines()) == len(source.splitlines())
    assert "int total = 5000;" in written and "int total = 100000;" not in written

"""Exec'd programs are observed: `ls | wc -l`, call by call, as strace sees it at execve on."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from support import ForkServer, calls, proc_of, reader_of_a_silent_pipe, shell_pipe

from app.workdir import RUN_FILES

LISTING = "".join(f"{name}\\n" for name in sorted(RUN_FILES))  # as `data` escapes it
LISTED = sum(len(name) + 1 for name in RUN_FILES)  # bytes


def roles(events: list[dict[str, Any]]) -> dict[str, int]:
    return {e["role"]: e["pid"] for e in events if e["type"] == "proc.start"}


def pipe_at(event: dict[str, Any], pid: int, fd: int) -> str | None:
    return next(r["pipe"] for r in proc_of(event, pid)["fds"] if r["fd"] == fd)


def test_bytes_are_seen_crossing_the_pipe_from_ls_to_wc(forkserver: ForkServer) -> None:
    events = forkserver.scenario("shell-pipeline").finish()
    assert events[0]["exec_calls"] == "strace"
    who = roles(events)
    ls, wc = who["ls"], who["wc"]
    returns = list(calls(events))
    write = next(e for e in returns if e["pid"] == ls and e["call"] == "write")
    read = next(e for e in returns if e["pid"] == wc and e["call"] == "read")
    eof = next(e for e in returns if e["pid"] == wc and e["call"] == "read" and e["ret"] == 0)
    count = next(e for e in returns if e["pid"] == wc and e["call"] == "write")
    assert write["seq"] < read["seq"] < eof["seq"] < count["seq"], story(events)
    assert (write["args"]["fd"], write["data"], write["ret"]) == (1, LISTING, LISTED)
    assert (read["args"]["fd"], read["data"], read["ret"]) == (0, LISTING, LISTED)
    entered = next(e for e in calls(events, "call.enter") if e["pid"] == wc and e["call"] == "read")
    assert entered["args"] == {"fd": 0, "count": read["args"]["count"]}  # from the kernel
    assert pipe_at(write, ls, 1) == pipe_at(read, wc, 0)  # the same pipe, each end
    assert (count["args"]["fd"], count["data"], count["ret"]) == (1, f"{len(RUN_FILES)}\\n", 2)
    assert events[-1]["reason"] == "exited"
    # EOF comes only once the last write end, ls's fd 1, is gone (ls may well close it
    # before wc first reads: wc's loader takes longer than ls's whole life).
    close = next(
        e for e in returns if e["pid"] == ls and e["call"] == "close" and e["args"]["fd"] == 1
    )
    assert write["seq"] < close["seq"] < eof["seq"], story(events)


def test_wc_keeps_fds_0_to_2_across_its_execve(forkserver: ForkServer) -> None:
    events = forkserver.scenario("shell-pipeline").finish()
    wc = roles(events)["wc"]
    execve = next(e for e in calls(events) if e["pid"] == wc and e["call"] == "execve")
    assert execve["ret"] == 0
    table = {r["fd"]: r for r in proc_of(execve, wc)["fds"]}
    assert sorted(table) == [0, 1, 2]
    assert (table[0]["kind"], table[0]["end"]) == ("pipe", "read")
    assert table[1]["kind"] == table[2]["kind"] == "tty"
    assert not [g for g in execve["state"]["gone"]["fds"] if g["pid"] == wc]
    assert proc_of(execve, wc)["program"] == ["wc", "-l"]


def test_a_stepped_exec_d_read_blocks_until_ls_writes(forkserver: ForkServer) -> None:
    """Step mode: each of the programs' calls waits for its step; wc's read on the empty pipe
    sleeps in the kernel (wchan), and ls's write wakes it with the same bytes."""
    run = forkserver.scenario("shell-pipeline", mode="step", limits={"wall_s": 60})
    run.until(lambda e: e["type"] == "proc.start")
    wc = ls = 0
    block = None
    for _ in range(200):
        last = run.events[-1]
        who = roles(run.events)
        ls, wc = who.get("ls", 0), who.get("wc", 0)
        waiting = {p["pid"]: p for p in last["state"]["procs"] if p["next"]}
        wc_next = waiting.get(wc, {}).get("next") or {}
        if wc and proc_of(last, wc)["program"] and wc_next.get("call") == "read":
            break
        # Hold ls once it runs its program; step everyone else.
        pick = next((pid for pid, p in waiting.items() if not (pid == ls and p["program"])), None)
        if pick is None:
            run.until(lambda e: True)  # the next program call shows itself
            continue
        run.control(op="step", pid=pick)
        run.until(lambda e, pick=pick: settled(e) and e["pid"] == pick)
    run.control(op="step", pid=wc)
    block = run.until(lambda e: settled(e) and e["pid"] == wc)
    assert (block["type"], block["call"]) == ("call.block", "read")
    assert block["blocked_on"]["wchan"].endswith("pipe_read")
    assert proc_of(block, wc)["status"] == "blocked"
    for _ in range(20):  # ls, call by call, up to its write
        nxt = proc_of(run.events[-1], ls)["next"]
        if nxt is None:
            run.until(lambda e: True)
            continue
        run.control(op="step", pid=ls)
        done = run.until(lambda e: settled(e) and e["pid"] in (ls, wc))
        if nxt["call"] == "write":
            break
        assert done["pid"] == ls and done["type"] == "call.return", done
    read = run.until(lambda e: e["type"] == "call.return" and e["pid"] == wc)
    write = next(e for e in calls(run.events) if e["pid"] == ls and e["call"] == "write")
    assert write["seq"] < read["seq"]
    assert (read["call"], read["data"], read["blocked"]) == ("read", LISTING, True)
    run.control(op="play", interval_ms=0)
    events = run.finish()
    assert events[-1]["reason"] == "exited"


def story(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The run in short, for a failure's message."""
    return [(e["seq"], e["type"], e["pid"], e.get("call"), e.get("ret")) for e in events]


def settled(e: dict[str, Any]) -> bool:
    return e["type"] in ("call.return", "call.block", "proc.exit")


def test_the_tracer_is_the_runs_uid_not_root(forkserver: ForkServer) -> None:
    """strace runs outside the boundary (it must, to trace across it) but as the run's uid.
    wc waits on a pipe whose writer (the shell) never writes, so there is time to look."""
    procs = reader_of_a_silent_pipe(["wc", "-l"])
    run = forkserver.program(procs, limits={"wall_s": 10})
    block = run.until(lambda e: e["type"] == "call.block" and e["call"] == "read")
    fields = status_of(block["pid"])
    tracer = int(fields["TracerPid"])
    tfields = status_of(tracer) if tracer else {}
    run.close()
    assert tfields.get("Name", "").strip() == "strace"
    if os.geteuid() == 0:
        assert tfields["Uid"].split() == fields["Uid"].split() != ["0"] * 4
        assert tfields["NoNewPrivs"].strip() == "1"
        assert tfields["CapEff"].strip() == "0000000000000000"
        assert int(tfields["Seccomp"]) == 2


def status_of(pid: int) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def test_an_exec_d_writer_dies_of_sigpipe_after_its_write_returns_epipe(
    forkserver: ForkServer,
) -> None:
    """`yes | head -n 1`: head reads, prints, exits; yes's next write gets -1 EPIPE and the
    SIGPIPE kills it, told in the kernel's order."""

    procs = shell_pipe(["yes"], ["head", "-n", "1"])
    events = forkserver.program(procs).finish()
    yes, head = roles(events)["yes"], roles(events)["head"]
    read = next(e for e in calls(events) if e["pid"] == head and e["call"] == "read")
    assert read["ret"] > 0 and read["data"].startswith("y\\ny\\n")
    mine = [e for e in events if e["pid"] == yes and e["seq"] > read["seq"]]
    epipe = next(e for e in mine if e["type"] == "call.return" and e["errno"] == "EPIPE")
    after = [e["type"] for e in mine if e["seq"] > epipe["seq"]]
    assert (epipe["call"], epipe["ret"]) == ("write", -1)
    assert after == ["signal", "proc.exit"]
    assert mine[-1]["signal"] == "SIGPIPE" and mine[-1]["status"] == "killed"
    printed = next(e for e in calls(events) if e["pid"] == head and e["call"] == "write")
    assert (printed["args"]["fd"], printed["data"], printed["ret"]) == (1, "y\\n", 2)


def test_when_its_strace_dies_the_program_is_left_to_proc_and_nothing_is_invented(
    forkserver: ForkServer,
) -> None:
    procs = reader_of_a_silent_pipe(["wc", "-l"])
    run = forkserver.program(procs, limits={"wall_s": 3})
    block = run.until(lambda e: e["type"] == "call.block" and e["call"] == "read")
    wc = block["pid"]
    os.kill(int(status_of(wc)["TracerPid"]), signal.SIGKILL)  # the strace this run started
    events = run.finish()
    after = [e for e in events if e["seq"] > block["seq"] and e["pid"] == wc]
    assert not [e for e in after if e["type"].startswith("call.")]  # no call made up
    assert events[-1]["reason"] == "timeout"
    assert proc_of(events[-1], wc)["status"] == "blocked"  # as /proc still shows it
    assert proc_of(events[-1], wc)["blocked_on"]["wchan"].endswith("pipe_read")

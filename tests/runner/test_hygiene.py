"""Every run is bounded and cleaned up: no process of it survives, escapees included."""

import json
import os
import signal
import time
from typing import Any

from support import DEFAULT_LIMITS, ForkServer, alive, calls, exists, shell_pipe
from terminal import added, terminal_text


def escapee_program() -> dict:
    return {
        "parent": [{"op": "fork", "child": "child"}, {"op": "wait", "child": "child"}],
        "child": [{"op": "setsid"}, {"op": "fork", "child": "daemon"}, {"op": "exit"}],
        "daemon": [{"op": "sleep", "ms": 5000}],
    }


def wait_gone(pids: set[int], seconds: float = 5.0) -> set[int]:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        left = {p for p in pids if exists(p)}
        if not left:
            return left
        time.sleep(0.02)
    return {p for p in pids if exists(p)}


def test_a_setsid_escapee_is_killed_and_reaped_when_the_run_times_out(
    forkserver: ForkServer,
) -> None:
    run = forkserver.program(escapee_program(), limits={"wall_s": 1})
    events = run.finish()
    setsid = next(e for e in calls(events) if e["call"] == "setsid")
    assert setsid["ret"] == setsid["pid"]  # it leads a session of its own
    daemon = next(e["pid"] for e in events if e["type"] == "proc.start" and e["role"] == "daemon")
    end = events[-1]
    assert end["reason"] == "timeout" and daemon in end["killed"]
    assert wait_gone(run.pids() | {run.supervisor}) == set()


def test_killing_a_supervisor_takes_its_whole_run_with_it(forkserver: ForkServer) -> None:
    run = forkserver.program(escapee_program(), limits={"wall_s": 30})
    daemon = run.until(lambda e: e["type"] == "call.block" and e["call"] == "clock_nanosleep")
    assert alive(daemon["pid"])
    os.kill(run.supervisor, signal.SIGKILL)  # no chance to clean up: the fork server must
    run.finish()
    assert wait_gone(run.pids() | {run.supervisor}) == set()


def test_closing_the_channel_ends_the_run_and_its_processes(forkserver: ForkServer) -> None:
    run = forkserver.scenario("forgot-close", limits={"wall_s": 30})
    run.until(lambda e: e["type"] == "call.block" and e["call"] == "wait4")
    pids = run.pids()
    run.close()
    assert wait_gone(pids | {run.supervisor}) == set()


def test_fork_beyond_the_process_limit_fails_with_eagain(forkserver: ForkServer) -> None:
    bomb = {"bomb": [{"op": "fork", "child": "bomb"}, {"op": "sleep", "ms": 2000}]}
    run = forkserver.program(bomb, limits={"max_procs": 4, "wall_s": 5})
    events = run.finish()
    forks = [e for e in calls(events) if e["call"] == "fork"]
    assert [f["errno"] for f in forks].count(None) == 3
    assert any(f["ret"] == -1 and f["errno"] == "EAGAIN" for f in forks)
    assert (
        max(len([p for p in e["state"]["procs"] if p["status"] != "exited"]) for e in events) <= 4
    )
    assert wait_gone(run.pids()) == set()


def test_the_event_limit_ends_a_run(forkserver: ForkServer) -> None:
    chatty = {"p": [{"op": "pipe", "name": "p"}, {"op": "close", "fd": 9, "line": 1}] * 20}
    events = forkserver.program(chatty, limits={"max_events": 30}).finish()
    assert len(events) == 31
    assert events[-1]["reason"] == "limit" and "30 events" in events[-1]["message"]


def test_the_recording_limit_ends_a_run_that_prints_without_end(forkserver: ForkServer) -> None:
    """`yes` on the terminal: each event carries only what it printed, and the run ends once
    its events reach the recording limit, saying so."""
    yes = {"p": [{"op": "exec", "argv": ["yes"]}]}
    run = forkserver.program(yes, limits={"max_recording_mb": 1})
    lines: list[bytes] = []
    while line := run.reader.readline():
        lines.append(line)
        run.events.append(json.loads(line))
    run.close()
    events = run.events
    end = events[-1]
    assert end["reason"] == "limit", end["message"]
    assert "limit of 1 MB of recorded events" in end["message"]
    assert sum(map(len, lines)) <= 1 << 20
    printed = terminal_text(events)  # every character in exactly one event
    assert printed.startswith("y\ny\n") and len(printed) > 500_000
    # No event repeats what the terminal showed before: beyond the text it adds, each is
    # only its fields and state (an 8 KiB copy of the terminal each, until now).
    for line, event in zip(lines, events, strict=True):
        assert len(line) - len(json.dumps(added(event))) < 2048, event["type"]
    assert wait_gone(run.pids()) == set()


def test_fds_from_a_failed_exec_name_the_error(forkserver: ForkServer) -> None:
    events = forkserver.program({"p": [{"op": "close", "fd": 7}]}).finish()
    close = next(calls(events))
    assert (close["ret"], close["errno"]) == (-1, "EBADF")


def seq_into_wc(seq: str = "seq", wc: str = "wc") -> dict[str, Any]:
    return shell_pipe([seq, "999999999999"], [wc, "-l"])


def test_cpu_time_is_limited_for_exec_d_programs_too(forkserver: ForkServer) -> None:
    """RLIMIT_CPU survives exec. Run past strace (a path, not an allowlisted name, is not
    traced: only the tests can ask for one), seq burns its second of CPU and dies of it."""
    request = {"scenario": "custom", "mode": "live", "backend": "runner"}
    limits = DEFAULT_LIMITS | {"cpu_s": 1, "wall_s": 20}
    run = forkserver.start(
        request
        | {"limits": limits, "program": {"procs": seq_into_wc("/usr/bin/seq", "/usr/bin/wc")}}
    )
    events = run.finish()
    deaths = {e["signal"] for e in events if e["type"] == "proc.exit" and e["status"] == "killed"}
    assert deaths & {"SIGXCPU", "SIGKILL"}, [e for e in events if e["type"] == "proc.exit"]
    assert events[-1]["reason"] == "exited"
    assert wait_gone(run.pids()) == set()


def test_a_traced_runaway_program_is_bounded_by_the_runs_limits(forkserver: ForkServer) -> None:
    """Under strace each of seq's writes is an event: the event limit ends it, and kills all."""
    run = forkserver.program(seq_into_wc(), limits={"max_events": 300})
    events = run.finish()
    writes = [e for e in calls(events) if e["call"] == "write" and e["ret"] > 0]
    assert writes and all(e["data"] for e in writes)  # seq's bytes, seen going into the pipe
    assert events[-1]["reason"] == "limit"
    assert wait_gone(run.pids()) == set()


def test_a_fork_server_killed_outright_still_takes_its_runs_with_it() -> None:
    own = ForkServer()
    run = own.program(escapee_program(), limits={"wall_s": 30})
    run.until(lambda e: e["type"] == "call.block" and e["call"] == "clock_nanosleep")
    os.kill(own.proc.pid, signal.SIGKILL)  # its supervisors learn it through PDEATHSIG
    events = run.finish()
    own.proc.wait(timeout=10)
    end = events[-1]
    assert end["type"] == "run.end" and end["reason"] == "error" and "fork server" in end["message"]
    assert wait_gone(run.pids() | {run.supervisor}) == set()


def test_the_first_process_does_not_depend_on_json_key_order(forkserver: ForkServer) -> None:
    from app.scenarios import catalog

    program = catalog.get("hello-pipe").program().model_dump(exclude_none=True)  # type: ignore[union-attr]
    program.pop("root")
    reordered = {"child": program["procs"]["child"], "parent": program["procs"]["parent"]}
    events = forkserver.program(reordered).finish()
    assert events[1]["type"] == "proc.start" and events[1]["role"] == "parent"
    assert events[-1]["reason"] == "exited" and terminal_text(events) == "hello pipe\n"

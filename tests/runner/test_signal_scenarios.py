"""Each signal scenario shows its teaching point, read from real events (C semantics: a C
handler, libc calls that return EINTR, the sets read from /proc/PID/status)."""

from __future__ import annotations

from typing import Any

from support import ForkServer, calls, proc_of

Events = list[dict[str, Any]]


def role_pid(events: Events, role: str) -> int:
    return next(e["pid"] for e in events if e["type"] == "proc.start" and e["role"] == role)


def journey(events: Events, pid: int, name: str) -> list[str]:
    """The actions of every `signal` event of signal `name` at pid, in order."""
    return [
        e["action"]
        for e in events
        if e["type"] == "signal" and e["pid"] == pid and e["signal"] == name
    ]


def test_three_sigusr1_sent_while_blocked_leave_one_bit_and_one_run(
    forkserver: ForkServer,
) -> None:
    events = forkserver.scenario("signals-dont-queue").finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    child = role_pid(events, "child")
    kills = [e for e in calls(events) if e["call"] == "kill"]
    assert [k["ret"] for k in kills] == [0, 0, 0]
    assert journey(events, child, "SIGUSR1") == ["pending", "merged", "merged", "handle"]
    # After the three kills, one bit: SIGUSR1 pending (kill sends to the process), blocked.
    sets = proc_of(kills[-1], child)["signals"]
    assert sets["shared_pending"] == ["SIGUSR1"] and "SIGUSR1" in sets["blocked"]
    handle = next(e for e in events if e["type"] == "signal" and e["action"] == "handle")
    assert handle["sender"] == role_pid(events, "parent") and handle["code"] == "SI_USER"
    assert "SIGUSR1" in handle["handler_mask"]  # the kernel blocks it while its handler runs
    assert proc_of(handle, child)["signals"]["shared_pending"] == []


def test_real_time_signals_queue_three_runs(forkserver: ForkServer) -> None:
    events = forkserver.scenario("signals-dont-queue", {"realtime": True}).finish()
    child = role_pid(events, "child")
    assert journey(events, child, "SIGRTMIN+1") == ["pending"] * 3 + ["handle"] * 3


def test_one_sigchld_for_three_exits_and_the_loop_reaps_all(forkserver: ForkServer) -> None:
    events = forkserver.scenario("sigchld-zombies").finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    parent = role_pid(events, "parent")
    children = {role_pid(events, r) for r in ("first", "second", "third")}
    assert journey(events, parent, "SIGCHLD") == ["pending", "merged", "merged", "handle"]
    # Three zombies at once, before the loop reaps them.
    unblock = next(e for e in calls(events) if e["args"].get("how") == "SIG_UNBLOCK")
    zombies = {p["pid"] for p in unblock["state"]["procs"] if p["zombie"]}
    assert zombies == children
    reaps = [e for e in calls(events) if e["call"] == "wait4"]
    assert {e["ret"] for e in reaps[:3]} == children
    assert (reaps[-1]["ret"], reaps[-1]["errno"]) == (-1, "ECHILD")
    assert all(e["args"]["options"] == "WNOHANG" for e in reaps)
    assert not [p for p in events[-1]["state"]["procs"] if p["zombie"]]


def test_a_handler_interrupts_a_blocked_read_with_eintr(forkserver: ForkServer) -> None:
    events = forkserver.scenario("handler-eintr").finish()
    child = role_pid(events, "child")
    read = next(e for e in calls(events) if e["call"] == "read")
    assert read["pid"] == child and read["blocked"]
    assert (read["ret"], read["errno"]) == (-1, "EINTR")
    handle = next(e for e in events if e["type"] == "signal" and e["pid"] == child)
    assert handle["action"] == "handle" and handle["seq"] < read["seq"]


def test_sa_restart_resumes_the_read(forkserver: ForkServer) -> None:
    events = forkserver.scenario("handler-eintr", {"restart": True}).finish()
    child = role_pid(events, "child")
    read = next(e for e in calls(events) if e["call"] == "read")
    handle = next(e for e in events if e["type"] == "signal" and e["pid"] == child)
    assert handle["action"] == "handle" and handle["seq"] < read["seq"]
    assert (read["ret"], read["data"]) == (5, "late\\n")


def test_sigstop_stops_and_sigcont_resumes(forkserver: ForkServer) -> None:
    events = forkserver.scenario("stop-cont").finish()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    child = role_pid(events, "child")
    assert journey(events, child, "SIGSTOP") == ["stop"]
    assert journey(events, child, "SIGCONT") == ["continue"]
    stop = next(e for e in events if e["type"] == "signal" and e["action"] == "stop")
    cont = next(e for e in events if e["type"] == "signal" and e["action"] == "continue")
    assert proc_of(stop, child)["status"] == "stopped"
    resume = next(e for e in calls(events) if e["call"] == "kill" and e["args"]["sig"] == "SIGCONT")
    between = [e for e in events if stop["seq"] <= e["seq"] < resume["seq"]]
    assert all(proc_of(e, child)["status"] == "stopped" for e in between)
    assert not [e for e in between if e["pid"] == child and e["type"].startswith("call.")]
    assert proc_of(cont, child)["status"] != "stopped"
    out = next(e for e in calls(events) if e["call"] == "write" and e["pid"] == child)
    assert out["ret"] == 8 and out["seq"] > cont["seq"]


def test_step_mode_sends_the_signal_while_the_read_sleeps(forkserver: ForkServer) -> None:
    """A student lets the child go first, into its read, then the parent's kill."""
    run = forkserver.scenario("handler-eintr", mode="step")
    parent = run.until(lambda e: e["type"] == "proc.start")["pid"]

    def step(pid: int | None, until: Any) -> dict[str, Any]:
        run.control(op="step", pid=pid)
        return run.until(until)

    step(parent, lambda e: e["type"] == "call.return" and e["call"] == "pipe")
    child = step(parent, lambda e: e["type"] == "proc.start" and e["pid"] != parent)["pid"]

    step(child, lambda e: e["type"] == "call.return" and e["call"] == "rt_sigaction")
    step(child, lambda e: e["type"] == "call.block" and e["pid"] == child)
    step(parent, lambda e: e["type"] == "call.return" and e["call"] == "clock_nanosleep")
    read = step(parent, lambda e: e["type"] == "call.return" and e["call"] == "read")
    assert (read["ret"], read["errno"]) == (-1, "EINTR")
    run.control(op="play")
    events = run.finish()
    assert events[-1]["reason"] == "exited"


def test_kill_is_refused_for_pids_outside_the_run(forkserver: ForkServer) -> None:
    """'parent' of the first process is the supervisor: never signalled, ESRCH."""
    events = forkserver.program({"main": [{"op": "kill", "to": "parent", "signal": "SIGTERM"}]})
    events_ = events.finish()
    kill = next(e for e in calls(events_) if e["call"] == "kill")
    assert (kill["ret"], kill["errno"]) == (-1, "ESRCH")
    assert events_[-1]["reason"] == "exited"

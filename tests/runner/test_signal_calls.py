"""The signal calls one by one, in programs of their own, against real processes: where each
blocks (wchan), what it returns, and what the signal did, as C would see it."""

from __future__ import annotations

from typing import Any

from support import ForkServer, calls, proc_of

Events = list[dict[str, Any]]


def signals_of(events: Events, action: str | None = None) -> Events:
    return [e for e in events if e["type"] == "signal" and action in (None, e["action"])]


def child_kills_parent_waiting_in(forkserver: ForkServer, wait: dict[str, Any]) -> Events:
    """The parent installs a handler for SIGUSR1 and blocks it, then waits in `wait` (with
    SIGUSR1 unblocked there, if the wait takes a mask); the child sends SIGUSR1."""
    return forkserver.program(
        {
            "parent": [
                {"op": "sigaction", "signal": "SIGUSR1", "handler": "handler"},
                {"op": "sigprocmask", "how": "SIG_BLOCK", "signals": ["SIGUSR1"]},
                {"op": "fork", "child": "child"},
                wait,
                {"op": "wait"},
            ],
            "child": [
                {"op": "sleep", "ms": 50},
                {"op": "kill", "to": "parent", "signal": "SIGUSR1"},
            ],
        }
    ).finish()


def test_sigsuspend_sleeps_with_its_mask_and_returns_eintr_after_the_handler(
    forkserver: ForkServer,
) -> None:
    events = child_kills_parent_waiting_in(forkserver, {"op": "sigsuspend", "mask": []})
    block = next(e for e in events if e["type"] == "call.block" and e["call"] == "rt_sigsuspend")
    assert "sigsuspend" in block["blocked_on"]["wchan"]
    assert proc_of(block, block["pid"])["signals"]["blocked"] == []  # its own mask, meanwhile
    ret = next(e for e in calls(events) if e["call"] == "rt_sigsuspend")
    assert (ret["ret"], ret["errno"]) == (-1, "EINTR")
    handle = signals_of(events, "handle")
    assert [h["signal"] for h in handle] == ["SIGUSR1"] and handle[0]["seq"] < ret["seq"]
    # The old mask is back once it returns.
    assert proc_of(ret, ret["pid"])["signals"]["blocked"] == ["SIGUSR1"]


def test_sigwaitinfo_takes_the_blocked_signal_without_a_handler_run(
    forkserver: ForkServer,
) -> None:
    events = child_kills_parent_waiting_in(
        forkserver, {"op": "sigwaitinfo", "signals": ["SIGUSR1"]}
    )
    block = next(e for e in events if e["type"] == "call.block" and e["call"] == "rt_sigtimedwait")
    assert "do_sigtimedwait" in block["blocked_on"]["wchan"]
    ret = next(e for e in calls(events) if e["call"] == "rt_sigtimedwait")
    assert ret["ret"] == 10 and ret["args"]["got"] == "SIGUSR1"
    assert ret["args"]["from"] == next(e["pid"] for e in calls(events) if e["call"] == "kill")
    assert not signals_of(events, "handle")


def test_pause_returns_eintr_once_a_handler_ran(forkserver: ForkServer) -> None:
    events = forkserver.program(
        {
            "parent": [
                {"op": "sigaction", "signal": "SIGUSR2", "handler": "handler"},
                {"op": "fork", "child": "child"},
                {"op": "pause"},
                {"op": "wait"},
            ],
            "child": [
                {"op": "sleep", "ms": 50},
                {"op": "kill", "to": "parent", "signal": "SIGUSR2"},
            ],
        }
    ).finish()
    block = next(e for e in events if e["type"] == "call.block" and e["call"] == "pause")
    assert block["blocked_on"]["wchan"].endswith("pause")
    ret = next(e for e in calls(events) if e["call"] == "pause")
    assert (ret["ret"], ret["errno"]) == (-1, "EINTR")
    assert [e["action"] for e in signals_of(events)] == ["handle"]


def test_raise_runs_the_handler_before_the_call_returns(forkserver: ForkServer) -> None:
    events = forkserver.program(
        {
            "main": [
                {
                    "op": "sigaction",
                    "signal": "SIGRTMIN+2",
                    "handler": "handler",
                    "mask": ["SIGUSR2"],
                },
                {"op": "raise", "signal": "SIGRTMIN+2"},
            ]
        }
    ).finish()
    handle = signals_of(events, "handle")[0]
    ret = next(e for e in calls(events) if e["call"] == "kill")
    assert handle["seq"] < ret["seq"] and handle["signo"] == 36
    assert handle["handler_mask"] == ["SIGUSR2", "SIGRTMIN+2"]  # sa_mask, and itself
    assert handle["sender"] == ret["pid"]


def test_sig_ign_discards_and_sig_dfl_kills(forkserver: ForkServer) -> None:
    events = forkserver.program(
        {
            "main": [
                {"op": "sigaction", "signal": "SIGTERM", "handler": "SIG_IGN"},
                {"op": "raise", "signal": "SIGTERM"},
                {"op": "sigaction", "signal": "SIGTERM", "handler": "SIG_DFL"},
                {"op": "raise", "signal": "SIGTERM"},
                {"op": "write", "fd": 1, "data": "never\n"},
            ]
        }
    ).finish()
    ignored = next(e for e in calls(events) if e["call"] == "rt_sigaction")
    assert proc_of(ignored, ignored["pid"])["signals"]["ignored"] == ["SIGTERM"]
    assert [e["action"] for e in signals_of(events)] == ["ignore", "kill"]
    assert {e["sender"] for e in signals_of(events)} == {ignored["pid"]}  # raise: its own
    end = next(e for e in events if e["type"] == "proc.exit")
    assert (end["status"], end["signal"]) == ("killed", "SIGTERM")
    assert not [e for e in calls(events) if e["call"] == "write"]


def test_a_bad_signal_step_names_role_step_and_field() -> None:
    import pytest
    from pydantic import ValidationError

    from app.scenarios.program import Program

    with pytest.raises(ValidationError) as caught:
        Program.model_validate(
            {"procs": {"main": [{"op": "kill", "to": "x", "signal": "SIGNOPE"}]}}
        )
    (error,) = caught.value.errors()
    assert error["loc"] == ("procs", "main", 0, "kill", "signal")
    assert "SIGNOPE" in error["msg"]


def test_a_run_starts_as_a_c_program_whatever_started_the_server() -> None:
    """SIG_IGN and the mask survive fork and exec: a server started with signals ignored or
    blocked must still give its runs C's start, every signal SIG_DFL, none blocked."""
    import signal

    from support import ForkServer as Server

    ignored = (signal.SIGUSR2, signal.SIGRTMIN + 5)
    before = [signal.signal(s, signal.SIG_IGN) for s in ignored]
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    try:
        server = Server()
    finally:
        for sig, old in zip(ignored, before, strict=True):
            signal.signal(sig, old)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    try:
        events = server.program({"main": [{"op": "yield"}]}).finish()
    finally:
        server.close()
    start = next(e for e in events if e["type"] == "proc.start")
    sets = proc_of(start, start["pid"])["signals"]
    assert sets == {k: [] for k in ("pending", "shared_pending", "blocked", "ignored", "caught")}

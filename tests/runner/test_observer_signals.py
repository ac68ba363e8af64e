"""An independent observer of signals: at every still point of a step-mode run the test reads
/proc/PID/status itself and checks each process's signal sets and stopped state.

Nothing here comes from app/kernel: the masks are decoded here, with names from Python's
signal module (real-time ones counted from its SIGRTMIN, glibc's).
"""

from __future__ import annotations

import signal
from typing import Any

import pytest
from support import ForkServer
from test_observer import Stream

FIELDS = {"SigPnd": "pending", "ShdPnd": "shared_pending", "SigBlk": "blocked"}
FIELDS |= {"SigIgn": "ignored", "SigCgt": "caught"}
CASES = [
    ("signals-dont-queue", {}),
    ("signals-dont-queue", {"realtime": True}),
    ("sigchld-zombies", {}),
    ("handler-eintr", {}),
    ("handler-eintr", {"restart": True}),
    ("stop-cont", {}),
]


def signame(n: int) -> str:
    if n >= signal.SIGRTMIN:
        return (
            "SIGRTMAX"
            if n == signal.SIGRTMAX
            else f"SIGRTMIN+{n - signal.SIGRTMIN}".replace("+0", "")
        )
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"SIG{n}"


def kernel_sets(pid: int) -> tuple[dict[str, list[str]], str] | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
    except OSError:
        return None
    sets, state = {}, ""
    for line in text.splitlines():
        key, _, value = line.partition(":\t")
        if key in FIELDS:
            mask = int(value, 16)
            sets[FIELDS[key]] = [signame(n) for n in range(1, 65) if mask & (1 << (n - 1))]
        elif key == "State":
            state = value.split()[0]
    return sets, state


def differences(state: dict[str, Any]) -> list[str]:
    out = []
    for proc in state["procs"]:
        if proc["status"] in ("exited", "killed"):
            assert proc["signals"] is None
            continue
        seen = kernel_sets(proc["pid"])
        if seen is None:
            out.append(f"{proc['pid']}: shown {proc['status']}, gone from /proc")
            continue
        sets, kstate = seen
        if proc["signals"] != sets:
            out.append(f"{proc['pid']}: signals shown {proc['signals']}, kernel {sets}")
        if (proc["status"] == "stopped") != (kstate == "T"):
            out.append(f"{proc['pid']}: shown {proc['status']}, kernel state {kstate}")
    return out


@pytest.mark.parametrize(("name", "params"), CASES)
def test_every_still_point_shows_the_signal_sets_the_kernel_holds(
    forkserver: ForkServer, name: str, params: dict[str, Any]
) -> None:
    run = forkserver.scenario(name, params, mode="step", limits={"wall_s": 30})
    stream = Stream(run)
    checked = 0
    try:
        while True:
            event = stream.still()
            if event["type"] == "run.end":
                break
            problems = differences(event["state"])
            tries = 0
            while problems and tries < 20 and stream.take(1.0):  # told by a later event
                tries += 1
                event = stream.still()
                problems = differences(event["state"]) if event["type"] != "run.end" else []
            assert not problems, f"{name} at {event['seq']}: {problems}"
            checked += 1
            if event["type"] == "run.end":
                break
            run.control(op="step")
            stream.take(1.0)
    finally:
        run.close()
    assert checked > 5
    assert run.events[-1]["reason"] == "exited", run.events[-1]["message"]
    # The sets were not empty all along: the scenario's own signal showed in them.
    shown = {
        s
        for e in run.events
        for p in e["state"]["procs"]
        if p["signals"]
        for k in ("pending", "shared_pending", "blocked", "caught")
        for s in p["signals"][k]
    }
    assert shown or name == "stop-cont"

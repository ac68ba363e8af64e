"""What the ordering rule promises, checked on a run's events (docs/events.md, "Order of
events"): the ring is exact at every event, and no event shows a call asleep that the kernel
could not have asleep, or a woken call's return later than the next call let go."""

from __future__ import annotations

from typing import Any

from support import Run

Event = dict[str, Any]


def inexact(events: list[Event]) -> list[int]:
    """Seqs of events where a pipe's ring is not exact, or its slots do not add up to the
    kernel's FIONREAD."""
    bad = []
    for e in events:
        for pipe in e["state"]["pipes"]:
            ring = pipe["ring"]
            held = sum(s["len"] for s in ring["slots"] if s)
            if not ring["exact"] or (pipe["bytes"] is not None and held != pipe["bytes"]):
                bad.append(e["seq"])
    return bad


def impossible_sleeps(events: list[Event], programs: bool = True) -> list[str]:
    """Events that show a process blocked in a pipe call the kernel could not have asleep:
    a writer while its pipe has a free slot (or no reader), a reader while its pipe holds
    bytes (or has no writer); and a woken call whose return comes after another call went.
    `programs=False` leaves out exec'd programs, whose sleeps are only polled from /proc.
    """
    problems = []
    for i, e in enumerate(events):
        for proc in e["state"]["procs"]:
            on = proc["blocked_on"]
            if proc["status"] != "blocked" or not on or not on.get("pipe"):
                continue
            if proc["program"] and not programs:
                continue
            pipe = next((p for p in e["state"]["pipes"] if p["id"] == on["pipe"]), None)
            if pipe is None:
                problems.append(f"seq {e['seq']}: pid {proc['pid']} asleep on a freed pipe")
                continue
            ring = pipe["ring"]
            # A freed slot wakes one writer (the kernel's wait is exclusive): another may
            # still sleep while the woken one, shown in its call, has yet to report.
            woken = any(
                p["status"] == "running" and p["next"] is None and p["pid"] != proc["pid"]
                for p in e["state"]["procs"]
            )
            if on["call"] == "write" and (
                (ring["head"] - ring["tail"] < ring["nslots"] and not woken) or pipe["readers"] == 0
            ):
                problems.append(f"seq {e['seq']}: pid {proc['pid']} shown asleep in write: {pipe}")
            if on["call"] == "read" and (pipe["bytes"] or pipe["writers"] == 0):
                problems.append(f"seq {e['seq']}: pid {proc['pid']} shown asleep in read: {pipe}")
        problems += late_wakes(events, i)
    return problems


def late_wakes(events: list[Event], i: int) -> list[str]:
    """Event i shows a process in a call it was asleep in at event i-1 (the kernel woke it):
    its return, or its sleep again, must come before any other call is let go."""
    if i == 0:
        return []
    before = {p["pid"]: p for p in events[i - 1]["state"]["procs"]}
    out = []
    for proc in events[i]["state"]["procs"]:
        was = before.get(proc["pid"])
        if not was or was["status"] != "blocked" or proc["status"] != "running":
            continue
        for later in events[i:]:
            if later["pid"] == proc["pid"] and later["type"] in ("call.return", "call.block"):
                break
            if later["type"] == "call.enter" or later["type"] == "run.end":
                out.append(
                    f"seq {events[i]['seq']} woke pid {proc['pid']}, but seq {later['seq']} "
                    f"({later['type']}) came before its report"
                )
                break
    return out


def step_through(run: Run) -> list[Event]:
    """Drive a step-mode run as an impatient viewer: step the next process in turn as soon as
    the stepped call has returned or blocked, never waiting for what it woke."""
    run.until(lambda e: e["type"] == "proc.start")
    ended = ("call.return", "call.block", "proc.exit", "run.end")
    while True:
        try:
            run.control(op="step")
        except OSError:  # the run ended as the step went: its last events are in
            break
        enter = run.until(lambda e: e["type"] in ("call.enter", "run.end"))
        if enter["type"] == "run.end":
            break
        stepped = enter["pid"]
        done = run.until(lambda e, pid=stepped: e["type"] in ended and e["pid"] in (pid, None))
        if done["type"] == "run.end":
            break
    # A step sent as the run ended may leave the socket reset once its last event is read.
    while run.events[-1]["type"] != "run.end":
        try:
            if run.next_event() is None:
                break
        except ConnectionResetError:
            break
    run.close()
    return run.events

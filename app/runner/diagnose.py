"""Why a run is stuck, in words, from its last state alone.

A read on a pipe waits for data or for the last write end to close; a write on a full pipe
waits for a reader to free a page; wait4 waits for a child. Naming who holds the ends that
would wake a blocked process is what a student needs to see the bug.
"""

from __future__ import annotations

from typing import Any


def holders(state: dict[str, Any], pipe: str, end: str) -> list[str]:
    return [
        f"pid {p['pid']} ({p['name']}) fd {row['fd']}"
        for p in state["procs"]
        for row in p["fds"]
        if row["pipe"] == pipe and row["end"] in (end, "both")
    ]


def stuck(state: dict[str, Any]) -> list[str]:
    lines = []
    for proc in state["procs"]:
        on = proc.get("blocked_on")
        if proc["status"] != "blocked" or not on:
            continue
        who = f"pid {proc['pid']} ({proc['name']}) is blocked in {on['call']}"
        pipe = on.get("pipe")
        if on["call"] == "read" and pipe:
            writers = ", ".join(holders(state, pipe, "write"))
            lines.append(f"{who} on {pipe}: it is empty and write ends are still open: {writers}")
        elif on["call"] == "write" and pipe:
            readers = ", ".join(holders(state, pipe, "read")) or "none"
            lines.append(f"{who} on {pipe}: it is full, and no read frees a page: {readers}")
        elif on["call"] == "wait4":
            kids = [
                f"pid {p['pid']} ({p['name']})"
                for p in state["procs"]
                if p["ppid"] == proc["pid"] and p["status"] in ("running", "blocked", "unknown")
            ]
            lines.append(f"{who}: it waits for {', '.join(kids) or 'a child'} to end")
        else:
            lines.append(who)
    return lines

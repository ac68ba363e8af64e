"""Why a run is stuck, in words, from its last state alone.

A read on a pipe waits for data or for the last reference to the last write-end open file
to go (fork and dup share open files, and the pipe counts files, not fds); a write on a full pipe
waits for a reader to free a page; wait4 waits for a child; an open of a FIFO waits for a
process to open its other end. Naming who holds the ends that
would wake a blocked process is what a student needs to see the bug.
"""

from __future__ import annotations

from typing import Any


def holders(state: dict[str, Any], pipe: str, end: str) -> list[str]:
    """Who keeps that end open: each open file on it with the fds referring to it, or, when
    the kernel would not say which fds share a file, each fd."""
    names = {p["pid"]: p["name"] for p in state["procs"]}
    fds = [
        (p["pid"], row["fd"])
        for p in state["procs"]
        for row in p["fds"]
        if row["pipe"] == pipe and row["end"] in (end, "both")
    ]
    held = [f"pid {pid} ({names[pid]}) fd {fd}" for pid, fd in fds]
    if state.get("files") is None:
        return held
    out = []
    for file in state["files"]:
        if file["object"] == pipe and file["end"] in (end, "both"):
            refs = [
                f"pid {r['pid']} ({names.get(r['pid'], '?')}) fd {r['fd']}" for r in file["refs"]
            ]
            out.append(f"open file {file['id']} ({', '.join(refs)})")
    return out


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
            lines.append(
                f"{who} on {pipe}: it is empty, and write-end open files are still referenced: "
                f"{writers} (EOF comes only when the last reference to the last one is gone)"
            )
        elif on["call"] == "write" and pipe:
            readers = ", ".join(holders(state, pipe, "read")) or "none"
            lines.append(
                f"{who} on {pipe}: it is full, and no read frees a page; read-end open files: "
                f"{readers}"
            )
        elif on["call"] == "open" and on.get("path"):
            lines.append(
                f"{who} of {on['path']}: an open of a FIFO waits until a process opens its "
                "other end, and none does"
            )
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

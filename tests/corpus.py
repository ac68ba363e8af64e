"""The corpus of classic C programs (tests/data/c/): each one's story, its run under our
backend, and the same binary under plain `strace -f`, each told as one list of calls per
thread so the two can be set side by side.

A thread is named by how it was made, not by its pid (which differs between two runs): the
first process is `p`, the second child its thread `T` forked is `T.f2`, its first thread
`T.t1`. Both logs are read the same way; only what they are read from differs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from app.strace import build, calls, lines, spec

CORPUS = Path(__file__).parent / "data" / "c"
PLAIN_TIMEOUT_S = 3.0  # a program that deadlocks is stopped here, as our run's time limit does
# What "pipe-related" means: a call naming a pipe or socket fd, or making or waiting on one.
MAKERS = {"pipe", "socketpair", "mknodat", "poll", "ppoll", "select", "pselect6", "splice", "tee"}
MAKERS |= {"vmsplice", "sendfile", "epoll_wait", "epoll_pwait", "epoll_ctl"}
Call = tuple[str, int | str | None, str | None, Any]  # (call, ret, errno, ready fds)


def names() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.c"))


def story(name: str) -> dict[str, Any]:
    told: dict[str, Any] = json.loads((CORPUS / f"{name}.json").read_text())
    return told


def request(name: str, limits: dict[str, Any]) -> dict[str, Any]:
    return {
        "scenario": f"trace:{name}",
        "mode": "live",
        "limits": limits,
        "backend": "strace",
        "trace": {"corpus": name, "all_calls": False},
    }


class Keys:
    """Names for threads by how they were made: a fork's child, a clone's thread. `made`:
    every (maker, child, is a thread) in log order. A child may fork before its maker's
    own return is told (a vfork's child runs first), so names are given in passes: each
    maker's children are numbered in its own order, once the maker has a name."""

    def __init__(self, root: int, made: list[tuple[int, int, bool]]) -> None:
        self.key = {root: "p"}
        todo = list(made)
        while todo:
            ready = [m for m in todo if m[0] in self.key]
            if not ready:
                break  # made by a thread no log line names: left as `?`
            counts: dict[int, int] = {}
            for tid, child, thread in todo:
                counts[tid] = counts.get(tid, 0) + 1
                if tid in self.key and child not in self.key:
                    self.key[child] = f"{self.key[tid]}.{'t' if thread else 'f'}{counts[tid]}"
            todo = [m for m in todo if m[1] not in self.key]

    def of(self, tid: int) -> str:
        return self.key.get(tid, f"?{tid}")


# -- plain strace ---------------------------------------------------------------------------
def plain(name: str) -> dict[str, list[Call]]:
    """Run the binary under plain strace -f (-o: every line with its pid), outside our
    service, and return its pipe-related calls per thread."""
    program = build.binary(name, corpus=True)
    with tempfile.TemporaryDirectory() as cwd:
        log = os.path.join(cwd, "trace.txt")
        argv = [spec.STRACE, "-f", "-ttt", "-y", "-x", "-s", "64", "-e", f"trace={spec.TRACED}"]
        proc = subprocess.Popen(
            [*argv, "-o", log, program],
            cwd=cwd,
            env={"PATH": spec.PATH, "LC_ALL": "C", "HOME": cwd},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=PLAIN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: strace and the program
            proc.wait()
        text = Path(log).read_text()
    return plain_calls(text.splitlines())


def plain_calls(log: list[str]) -> dict[str, list[Call]]:
    parsed = [lines.parse(t) for t in log]
    root = next(p.pid for p in parsed if p.pid is not None)
    made: list[tuple[int, int, bool]] = []
    opened: dict[int, lines.Line] = {}
    done: list[tuple[int, lines.Line, str]] = []
    for line in parsed:
        if line.pid is None:
            continue
        if line.kind == "unfinished":
            opened[line.pid] = line
            continue
        if line.kind == "resumed" and line.pid in opened:
            first = opened.pop(line.pid)
            line.args = [a for a in first.args if a] + line.args
            raw = first.text + line.text
        elif line.kind == "call":
            raw = line.text
        else:
            continue
        if line.name in calls.FORKS and line.ret is not None and line.ret > 0:
            made.append((line.pid, line.ret, "CLONE_THREAD" in raw))
        done.append((line.pid, line, raw))
    keys = Keys(root, made)
    out: dict[str, list[Call]] = {}
    for tid, line, raw in done:
        call = calls.page_name(line.name, line.args)
        if call in ("fork", "clone", "execve") or not related(call, raw):
            continue
        ret = line.ret if line.ret is not None else -1
        note = calls.returned_args(line.name, line.args, line.note)
        out.setdefault(keys.of(tid), []).append((call, ret, line.errno, ready(note)))
    return out


def related(call: str, raw: str) -> bool:
    return call in MAKERS or "<pipe:[" in raw or "<socket:[" in raw or ".fifo" in raw


def ready(args: dict[str, Any]) -> Any:
    """Which fds a poll or select found ready, in a form both logs share."""
    if "ready" in args:
        return sorted(str(r.get("fd", r.get("data"))) for r in args["ready"])
    if "readable" in args or "writable" in args:
        return (args.get("readable", []), args.get("writable", []))
    return None


# -- our events -------------------------------------------------------------------------------
def ours(events: list[dict[str, Any]]) -> dict[str, list[Call]]:
    """Every call.return of our run per thread, in the same form."""
    root = next(e["pid"] for e in events if e["type"] == "proc.start")
    made = [
        (e["tid"], e["ret"], e["call"] == "clone")
        for e in events
        if e["type"] == "call.return" and e["call"] in ("fork", "clone") and e["ret"] > 0
    ]
    keys = Keys(root, made)
    out: dict[str, list[Call]] = {}
    for e in events:
        if e["type"] == "call.return":
            told = (e["call"], e["ret"], e["errno"], ready(e["args"]))
            out.setdefault(keys.of(e["tid"]), []).append(told)
    return out


def missing(theirs: list[Call], mine: list[Call]) -> list[Call]:
    """The calls of `theirs` not found in `mine` in order (a subsequence): [] when all are."""
    at = 0
    for i, call in enumerate(theirs):
        while at < len(mine) and mine[at] != call:
            at += 1
        if at == len(mine):
            return theirs[i:]
        at += 1
    return []


def subsequence(wanted: list[str], got: list[str]) -> bool:
    it = iter(got)
    return all(any(g == w for g in it) for w in wanted)

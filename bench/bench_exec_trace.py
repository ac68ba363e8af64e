"""What observing exec'd programs costs: the hand-over at execve, and events per second.

Through the real fork server (tests/runner/support.py), live mode:
- `shell-pipeline` (`ls | wc -l`), 20 runs: from each execve's call.enter to its call.return
  (strace attached, the program loaded and held at its first instruction), and from that
  return to the program's first call.enter (the loader's calls run through unreported);
- `seq 1 N | wc -l` traced: events per second while the two exec'd programs move bytes;
- the same pipeline with both programs named by path, which the runner does not trace
  (only allowlisted names are), for the untraced figure.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "runner"))

from _service import machine
from support import DEFAULT_LIMITS, ForkServer, shell_pipe

RUNS = 20
SEQ = "20000"


def pipeline(seq: str, wc: str) -> dict[str, Any]:
    return shell_pipe([seq, "1", SEQ], [wc, "-l"])


def run(fs: ForkServer, procs: dict[str, Any]) -> list[dict[str, Any]]:
    request = {
        "scenario": "custom",
        "mode": "live",
        "backend": "runner",
        "program": {"procs": procs},
    }
    return fs.start(request | {"limits": DEFAULT_LIMITS | {"wall_s": 60}}).finish()


def handover(events: list[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """(execve enter -> return, execve return -> the program's first call.enter), in ms."""
    exec_ms, first_ms = [], []
    for e in events:
        if e["type"] == "call.return" and e["call"] == "execve":
            enter = next(
                x
                for x in reversed(events[: e["seq"]])
                if x["pid"] == e["pid"] and x["type"] == "call.enter"
            )
            exec_ms.append((e["t"] - enter["t"]) * 1000)
            first = next(
                (
                    x
                    for x in events[e["seq"] + 1 :]
                    if x["pid"] == e["pid"] and x["type"] == "call.enter"
                ),
                None,
            )
            if first is not None:
                first_ms.append((first["t"] - e["t"]) * 1000)
    return exec_ms, first_ms


def rate(events: list[dict[str, Any]]) -> tuple[int, float, float]:
    """Events from the first execve's return to the run's end: count, seconds, per second."""
    start = next(e for e in events if e["type"] == "call.return" and e["call"] == "execve")
    n = len(events) - start["seq"]
    seconds = events[-1]["t"] - start["t"]
    return n, seconds, n / seconds


def main() -> None:
    fs = ForkServer()
    try:
        print(f"machine: {machine()}")
        exec_ms: list[float] = []
        first_ms: list[float] = []
        for _ in range(RUNS):
            events = fs.scenario("shell-pipeline").finish()
            assert events[0]["exec_calls"] == "strace" and events[-1]["reason"] == "exited"
            a, b = handover(events)
            exec_ms += a
            first_ms += b
        for name, values in (
            ("execve call.enter -> call.return (strace attached, program held)", exec_ms),
            ("execve call.return -> the program's first call.enter", first_ms),
        ):
            print(
                f"shell-pipeline, {name}: median {statistics.median(values):.1f} ms, "
                f"max {max(values):.1f} ms ({len(values)} execs)"
            )
        untraced = run(fs, pipeline("/usr/bin/seq", "/usr/bin/wc"))
        a, _ = handover(untraced)
        print(f"untraced execve call.enter -> call.return: median {statistics.median(a):.1f} ms")
        print(
            f"untraced seq 1 {SEQ} | wc -l: whole run {untraced[-1]['t'] * 1000:.0f} ms, "
            f"{len(untraced)} events"
        )
        traced = run(fs, pipeline("seq", "wc"))
        assert traced[-1]["reason"] == "exited", traced[-1]
        n, seconds, per_s = rate(traced)
        writes = sum(1 for e in traced if e["type"] == "call.return" and e["call"] == "write")
        print(
            f"traced seq 1 {SEQ} | wc -l: {n} events in {seconds:.2f} s after the first execve, "
            f"{per_s:.0f} events/s ({writes} writes); whole run {traced[-1]['t'] * 1000:.0f} ms"
        )
    finally:
        fs.close()


if __name__ == "__main__":
    main()

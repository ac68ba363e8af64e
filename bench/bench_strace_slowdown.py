"""What tracing costs a pipe-heavy C program: untraced, under plain strace, and under
pipescope's strace backend (every write of strace's log read while the program stands still,
and an event with the whole state for each shown call).

The program is examples/c/full_buffer.c with 64-byte writes and no reader delay: a writer and
a reader exchanging bytes through one pipe as fast as they can.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _service import machine  # noqa: E402

from app.strace import build, spec  # noqa: E402
from app.strace.supervisor import serve_trace  # noqa: E402
from app.strace.tracelog import TraceLog  # noqa: E402

CHUNK = 64
WRITES = 20_000  # untraced and plain strace
TRACED_WRITES = 500  # pipescope: each call is two still points and about two events
TRIALS = 3
LIMITS = {
    "wall_s": 120,
    "cpu_s": 60,
    "memory_mb": 512,
    "max_procs": 16,
    "max_events": 100_000,
    "max_recording_mb": 1024,
}


def values(writes: int) -> dict[str, int]:
    return {"total": writes * CHUNK, "chunk": CHUNK, "reader_delay": 0, "nonblock": 0}


def best(argv: list[str]) -> float:
    times = []
    for _ in range(TRIALS):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def lockstep(program: str) -> float:
    """strace's log taken one write at a time (tracelog.py), with no event made: what the
    still points cost by themselves."""
    log = TraceLog()
    argv = [spec.STRACE, *spec.STRACE_OPTIONS, "-e", f"trace={spec.TRACED}", program]
    t0 = time.perf_counter()
    strace = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log.w)
    log.started(strace.pid)
    while (state := log.state()) != "gone":
        if state == "pending":
            log.pending()
            log.release()
        else:
            os.sched_yield()  # as the supervisor does while strace is busy
    strace.wait()
    log.close()
    return time.perf_counter() - t0


def pipescope(writes: int) -> tuple[float, int]:
    """Seconds from request to run.end, and how many events, for one traced run."""
    request = {
        "run": "bench",
        "scenario": "trace-full-buffer",
        "mode": "live",
        "backend": "strace",
        "trace": {
            "example": "full_buffer",
            "values": values(writes),
            "roles": ["writer", "reader"],
        },
        "limits": LIMITS,
    }
    ours, theirs = socket.socketpair()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        ours.close()
        serve_trace(theirs, request)
        os._exit(0)
    theirs.close()
    events = [json.loads(line) for line in ours.makefile("rb")]
    elapsed = time.perf_counter() - t0
    os.waitpid(pid, 0)
    assert events[-1]["reason"] == "exited", events[-1]
    return elapsed, len(events)


def main() -> None:
    program = build.binary("full_buffer", values(WRITES))
    build.binary("full_buffer", values(TRACED_WRITES))  # compiled before any clock runs
    untraced = best([program])
    with tempfile.TemporaryDirectory() as tmp:
        plain = best(["strace", "-f", "-o", os.devnull, program])
        ours = best(
            [
                spec.STRACE,
                *spec.STRACE_OPTIONS,
                "-e",
                f"trace={spec.TRACED}",
                "-o",
                f"{tmp}/log",
                program,
            ]
        )
    still = min(lockstep(build.binary("full_buffer", values(TRACED_WRITES))) for _ in range(TRIALS))
    runs = [pipescope(TRACED_WRITES) for _ in range(TRIALS)]
    traced, events = min(runs)
    per = {
        "untraced": untraced / WRITES,
        "strace -f -o /dev/null": plain / WRITES,
        "strace, pipescope's options, -o file": ours / WRITES,
        "  + log read one write at a time": still / TRACED_WRITES,
        "pipescope's strace backend": traced / TRACED_WRITES,
    }
    print(f"machine: {machine()}")
    version = subprocess.run(["strace", "-V"], capture_output=True, text=True).stdout
    print(f"strace: {version.splitlines()[0]}")
    print(f"program: full_buffer.c, {CHUNK}-byte writes, reader without delay, best of {TRIALS}")
    print(f"{'':38} {'per write':>12} {'slowdown':>9}")
    for name, seconds in per.items():
        print(f"{name:38} {seconds * 1e6:>9.1f} us {seconds / per['untraced']:>8.0f}x")
    rate = events / traced
    print(f"pipescope: {TRACED_WRITES} writes in {traced:.2f} s, {events} events ({rate:,.0f}/s)")


if __name__ == "__main__":
    main()

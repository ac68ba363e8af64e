"""What the runner cannot see it says it cannot see: a container's root without
CAP_SYS_PTRACE may not kcmp (open files unknown), nor read a non-dumpable program's /proc."""

from collections.abc import Iterator
from typing import Any

import pytest
from support import DEFAULT_LIMITS, ForkServer, pipe_of, proc_of

CONTAINER = {"namespaces": False, "ptrace": False}  # as tests/security/boundary.py MODES


@pytest.fixture(scope="module")
def container() -> Iterator[ForkServer]:
    server = ForkServer(CONTAINER)
    yield server
    server.close()


def test_without_ptrace_open_files_are_unknown_not_invented(container: ForkServer) -> None:
    events = container.scenario("hello-pipe").finish()
    assert events[-1]["reason"] == "exited"
    fork = next(e for e in events if e["type"] == "call.return" and e["call"] == "fork")
    assert fork["state"]["files"] is None
    rows = [r for p in fork["state"]["procs"] for r in p["fds"]]
    assert rows and all(r["file"] is None for r in rows)
    pipe = pipe_of(fork, rows[-1]["pipe"] or next(r["pipe"] for r in rows if r["pipe"]))
    assert (pipe["readers"], pipe["writers"]) == (None, None)
    assert (pipe["reader_fds"], pipe["writer_fds"]) == (2, 2)  # fds are still read from /proc
    assert all(e["state"]["gone"]["files"] == [] for e in events)


def sleeper(fs: ForkServer, hide: bool) -> list[dict[str, Any]]:
    """An exec'd program that sleeps, first making itself non-dumpable if `hide`: then its
    /proc is refused to a reader without CAP_SYS_PTRACE, and its wchan reads `0`. (Built
    straight through the runner's interface: python3 is no allowlisted program.)"""
    code = "import ctypes, time; " + ("ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); " if hide else "")
    program = {
        "procs": {
            "p": [{"op": "exec", "argv": ["/usr/bin/python3", "-c", code + "time.sleep(1.5)"]}]
        }
    }
    request = {"scenario": "custom", "mode": "live", "limits": DEFAULT_LIMITS | {"wall_s": 8}}
    return fs.start(request | {"backend": "runner", "program": program}).finish()


def statuses(events: list[dict[str, Any]]) -> set[str]:
    pid = events[1]["pid"]
    return {proc_of(e, pid)["status"] for e in events if e["state"]["procs"]}


def test_a_process_whose_proc_is_refused_is_unknown_not_running(container: ForkServer) -> None:
    events = sleeper(container, hide=True)
    assert events[-1]["reason"] == "exited"
    seen = statuses(events)
    assert "unknown" in seen and "blocked" not in seen
    # Seen again once it is a zombie: its end is known, and told.
    assert [e["status"] for e in events if e["type"] == "proc.exit"] == ["exited"]


def test_the_same_program_seen_is_blocked_in_its_sleep(container: ForkServer) -> None:
    assert "blocked" in statuses(sleeper(container, hide=False))

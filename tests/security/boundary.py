"""A shell inside a run's boundary, for attacking it.

The service never runs a shell: its allowlist and argument table refuse one. These tests go
around that second line on purpose, handing the runner a program that execs `sh -c SCRIPT`
straight through its Python interface (no validation), to prove the first line, the
kernel's, holds by itself. Every target is something the test made: a file, a listener, a
process it started.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runner"))

from support import DEFAULT_LIMITS, ForkServer, Run
from terminal import terminal_text

# The boundary as a host with root gives it, and as a container (no namespaces) gives it.
# As a non-root user ("unprivileged"): a user namespace of the run's own instead of a uid.
MODES: dict[str, dict[str, Any]] = {
    "host": {"config": {}},
    "container": {"config": {"namespaces": False, "ptrace": False}},
    "unprivileged": {"config": {}, "user": "nobody"},
}
SECRET_ENV = "PIPESCOPE_TEST_SECRET"
SECRET = "s3cr3t-e6f1c0a9"


def start_shell(fs: ForkServer, script: str, **limits: Any) -> Run:
    program = {"procs": {"sh": [{"op": "exec", "argv": ["sh", "-c", script]}]}}
    request = {
        "scenario": "custom",
        "mode": "live",
        "limits": DEFAULT_LIMITS | {"wall_s": 8} | limits,
        "backend": "runner",
        "program": program,
    }
    return fs.start(request)


def shell(fs: ForkServer, script: str, **limits: Any) -> tuple[str, list[dict[str, Any]]]:
    """Run `script` inside the boundary to its end: what it printed, and the run's events."""
    events = start_shell(fs, script, **limits).finish()
    return printed(events), events


def printed(events: list[dict[str, Any]]) -> str:
    return terminal_text(events)

"""FIFO steps over the REST API: a bad path, flag or mode is a 422 naming its field, and a
composed FIFO program runs."""

from __future__ import annotations

from typing import Any

import pytest
from service_client import Client


def program(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"program": {"procs": {"p": list(steps)}}}


@pytest.mark.parametrize(
    ("step", "field", "says"),
    [
        (
            {"op": "mkfifo", "path": "../escape"},
            "program.procs.p.0.mkfifo.path",
            "not a name in the run's directory",
        ),
        (
            {"op": "mkfifo", "path": "/tmp/x"},
            "program.procs.p.0.mkfifo.path",
            "not a name in the run's directory",
        ),
        (
            {"op": "mkfifo", "path": ".."},
            "program.procs.p.0.mkfifo.path",
            "not a name in the run's directory",
        ),
        ({"op": "mkfifo", "path": "f", "mode": "777"}, "program.procs.p.0.mkfifo.mode", "octal"),
        ({"op": "unlink", "path": "a/b"}, "program.procs.p.0.unlink.path", "no '/'"),
        ({"op": "open", "path": "f", "flags": "O_RDONLY"}, "program.procs.p.0.open.name", ""),
        (
            {"op": "open", "path": "f", "flags": "O_NONBLOCK", "name": "f"},
            "program.procs.p.0.open.flags",
            "O_RDONLY, O_WRONLY or O_RDWR",
        ),
        (
            {"op": "open", "path": "f", "flags": "O_RDONLY|O_WRONLY", "name": "f"},
            "program.procs.p.0.open.flags",
            "exactly one",
        ),
        (
            {"op": "open", "path": "f", "flags": "O_WRONLY|O_PATH", "name": "f"},
            "program.procs.p.0.open.flags",
            "'O_PATH' is not allowed",
        ),
        (
            {"op": "open", "path": "f", "flags": "O_RDONLY", "name": "F[0]"},
            "program.procs.p.0.open.name",
            "pattern",
        ),
    ],
)
def test_a_bad_fifo_step_is_422_naming_role_step_and_field(
    api: Client, step: dict[str, Any], field: str, says: str
) -> None:
    response = api.http.post("/api/runs", json=program(step))
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["field"] == field, error
    assert says in error["error"], error


def test_a_composed_fifo_program_runs_over_rest(api: Client) -> None:
    run = api.start(
        **program(
            {"op": "mkfifo", "path": "f"},
            {"op": "open", "path": "f", "flags": "O_WRONLY|O_NONBLOCK", "name": "w"},
            {"op": "open", "path": "f", "flags": "O_RDWR", "name": "rw"},
            {"op": "write", "fd": "rw", "data": "abc"},
            {"op": "read", "fd": "rw", "count": 8},
            {"op": "close", "fd": "w"},
        )
    )
    with api.watch(run) as viewer:
        events = viewer.rest()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    returns = [(e["call"], e["ret"], e["errno"]) for e in events if e["type"] == "call.return"]
    assert returns[:6] == [
        ("mkfifo", 0, None),
        ("open", -1, "ENXIO"),
        ("open", 3, None),  # O_RDWR never waits: it is its own partner
        ("write", 3, None),
        ("read", 3, None),
        ("close", -1, "EBADF"),  # the failed open gave -1, as C's would
    ]
    rw = next(e for e in events if e["type"] == "call.return" and e["call"] == "write")
    (fifo,) = rw["state"]["pipes"]
    assert (fifo["kind"], fifo["bytes"], fifo["readers"], fifo["writers"]) == ("fifo", 3, 1, 1)
    row = next(r for r in rw["state"]["procs"][0]["fds"] if r["fd"] == 3)
    assert (row["end"], row["mode"], row["type"]) == ("both", "rw", "fifo")

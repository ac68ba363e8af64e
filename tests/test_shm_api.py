"""Shared memory over the REST API: a composed program with a mapping runs, and a bad step
gets a 422 naming its role, step and field."""

from __future__ import annotations

from typing import Any

import pytest
from service_client import Client

MAPPED = [{"op": "mmap", "name": "m"}]


def test_a_composed_program_with_a_mapping_runs(api: Client) -> None:
    program = {"procs": {"p": [*MAPPED, {"op": "store", "map": "m", "data": "hi"}]}}
    run = api.start(program=program)
    with api.watch(run) as viewer:
        events = viewer.rest()
    assert events[-1]["reason"] == "exited", events[-1]["message"]
    store = next(e for e in events if e["type"] == "call.return" and e["call"] == "store")
    assert store["state"]["mappings"][0]["bytes"].startswith(b"hi".hex())


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"op": "load", "map": "nope"}, "program.procs.p.1.map"),
        ({"op": "load", "map": "m", "offset": 4095, "length": 4}, "program.procs.p.1.offset"),
        ({"op": "sem_post", "map": "m", "offset": 12}, "program.procs.p.1.sem_post.offset"),
        (
            {"op": "mmap", "name": "f", "backing": "file", "path": "/etc/passwd"},
            "program.procs.p.1.mmap.path",
        ),
        ({"op": "mmap", "name": "big", "size": 1 << 20}, "program.procs.p.1.mmap.size"),
    ],
)
def test_a_bad_shared_memory_step_gets_422_naming_it(
    api: Client, step: dict[str, Any], field: str
) -> None:
    response = api.http.post("/api/runs", json={"program": {"procs": {"p": [*MAPPED, step]}}})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field, response.json()

"""What a script sends is taken as written: a number is a number, a field that is wrong is
named by its place in the body, and the message says what to send instead. 422, never 500,
and nothing starts."""

from __future__ import annotations

from typing import Any

import pytest
from service_client import Client

BAD_BODIES: list[tuple[str, Any, str | None, str]] = [
    ("neither", {}, "scenario", "give a scenario name (GET /api/scenarios) or a program"),
    (
        "both",
        {"scenario": "hello-pipe", "program": {"procs": {"p": [{"op": "yield"}]}}},
        "scenario",
        "not both",
    ),
    (
        "a string as a number",
        {"scenario": "full-buffer", "params": {"chunk": "4096"}},
        "params.chunk",
        "valid integer",
    ),
    (
        "a boolean as a number",
        {"scenario": "full-buffer", "params": {"total": True}},
        "params.total",
        "valid integer",
    ),
    (
        "a string as a boolean",
        {"scenario": "sigpipe", "params": {"ignore_sigpipe": "yes"}},
        "params.ignore_sigpipe",
        "valid boolean",
    ),
    (
        "a size given as text",
        {"program": {"procs": {"p": [{"op": "write", "fd": 1, "size": "4096"}]}}},
        "program.procs.p.0.write.size",
        "valid integer",
    ),
    (
        "an fd given as true",
        {"program": {"procs": {"p": [{"op": "write", "fd": True, "data": "x"}]}}},
        "program.procs.p.0.write.fd",
        "an fd is a number from 0 to 999",
    ),
    (
        "milliseconds as a float",
        {"program": {"procs": {"p": [{"op": "sleep", "ms": 1.5}]}}},
        "program.procs.p.0.sleep.ms",
        "valid integer",
    ),
]


@pytest.mark.parametrize(
    ("what", "body", "field", "said"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
def test_a_bad_body_names_its_field(
    api: Client, what: str, body: Any, field: str | None, said: str
) -> None:
    before = api.http.get("/healthz").json()["runs"]
    answer = api.http.post("/api/runs", json=body)
    assert answer.status_code == 422, (what, answer.text)
    error = answer.json()
    assert error["field"] == field and said in error["error"], error
    assert "constrained" not in answer.text  # no internal names of the validator
    assert api.http.get("/healthz").json()["runs"] <= before  # nothing started


def test_a_json_syntax_error_says_where_and_names_no_field(api: Client) -> None:
    answer = api.http.post(
        "/api/runs",
        content=b'{"scenario": "hello-pipe",',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 422
    error = answer.json()
    assert error["field"] is None
    assert error["error"].startswith("the body is not valid JSON: ")
    assert "(at character 26)" in error["error"]

"""A traced C program in step mode is stepped to its end, call by call, as a runner scenario
is: strace holds every process at each call, so an exec'd program is no reason to refuse a
step (that refusal is for a runner process that exec'd a program nobody holds)."""

from __future__ import annotations

import time

import pytest
from service_client import WAIT_S, Client


@pytest.mark.parametrize("scenario", ["trace-hello-pipe", "trace-eof"])
def test_a_traced_program_steps_to_its_end(api: Client, scenario: str) -> None:
    run = api.start(scenario=scenario, mode="step")
    deadline = time.monotonic() + 4 * WAIT_S
    while api.run(run["id"])["status"] != "ended":
        assert time.monotonic() < deadline, api.events(run["id"])[-3:]
        answer = api.control(run, "step")
        if answer.status_code == 409:
            assert "moves by itself" not in answer.text, answer.text
            time.sleep(0.05)  # a process inside its call: wait for it to come back
        else:
            assert answer.status_code == 202, answer.text
    end = api.events(run["id"])[-1]
    assert end["type"] == "run.end" and end["reason"] == "exited", end

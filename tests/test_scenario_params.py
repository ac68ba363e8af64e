"""Every value a scenario's form offers can run: each parameter at its least and greatest,
alone and all together, builds a program the runner accepts (no error about a step the user
never wrote), within the run's limits of events."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from app.config import Settings
from app.scenarios.catalog import Scenario, all_scenarios

NUMERIC = [s for s in all_scenarios() if any(p.kind is int for p in s.params)]


def corners(scenario: Scenario) -> list[dict[str, Any]]:
    ints = [p for p in scenario.params if p.kind is int]
    alone = [{p.name: bound} for p in ints for bound in (p.min, p.max)]
    together = [
        {p.name: bound for p, bound in zip(ints, bounds, strict=True)}
        for bounds in product(*[(p.min, p.max) for p in ints])
    ]
    return alone + together


def calls(program: dict[str, Any]) -> int:
    """How many calls the program makes at most: each costs the run two events or more."""
    return sum(step.get("repeat", 1) for steps in program["procs"].values() for step in steps)


@pytest.mark.parametrize("scenario", NUMERIC, ids=[s.name for s in NUMERIC])
def test_every_offered_value_runs(scenario: Scenario) -> None:
    max_events = Settings().max_events
    for values in corners(scenario):
        request = scenario.request(values)  # raises, naming the step, if it cannot run
        if request["backend"] == "runner":
            assert 2 * calls(request["program"]) < max_events, values

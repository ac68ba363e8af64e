"""Every event of real runs fits the contract in app/events.py, and renders from itself."""

import pytest
from pydantic import TypeAdapter
from support import ForkServer
from terminal import terminal_text

from app.events import Event
from app.scenarios import catalog

EVENTS: TypeAdapter[Event] = TypeAdapter(Event)


@pytest.mark.parametrize("name", [s.name for s in catalog.all_scenarios() if s.backend == "runner"])
def test_each_scenarios_events_validate_against_the_contract(
    forkserver: ForkServer, name: str
) -> None:
    events = forkserver.scenario(name, limits={"wall_s": 3}).finish()
    for event in events:
        EVENTS.validate_python(event)
    times = [e["t"] for e in events]
    assert times == sorted(times)
    assert events[-1]["type"] == "run.end"
    terminal_text(events)  # each character of output in one event, every output_at right

"""A run's terminal as a page assembles it from the events: each event's added text (an
`output` event's `data`, any other's `state.output_new`), checked against its `output_at`."""

from __future__ import annotations

from typing import Any


def added(event: dict[str, Any]) -> str:
    text: str = event["data"] if event["type"] == "output" else event["state"]["output_new"]
    return text


def terminal_text(events: list[dict[str, Any]]) -> str:
    """Everything the run printed, from all of its events in order. Each character comes in
    exactly one event, and every state's `output_at` is the length so far."""
    text = ""
    for event in events:
        if event["type"] == "output":
            assert event["state"]["output_new"] == "", event  # said once, in `data`
        text += added(event)
        assert event["state"]["output_at"] == len(text), event
    return text

"""A JSON export checked, strictly, into the lines of a run to replay (`POST /api/runs/import`).

Nothing in an export is trusted: its format and version, its run's metadata, every event
through the models of `app/events.py` (in strict mode: a string is no number), `seq` 0, 1, 2,
..., `t` never decreasing, run.start first and exactly one run.end, last. What fails is
refused with the field that is wrong, dotted (`events.12.state.pipes.0.ring`); the run's id
is never taken from it (the import gets a new one, and run.start says so).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from pydantic import TypeAdapter, ValidationError

from app.events import Event
from app.exports.envelope import ExportHead, ExportRun
from app.runs.errors import RunError

EVENT: TypeAdapter[Any] = TypeAdapter(Event)
HEAD = ("format", "version", "run")


class BadImport(RunError):
    status = 422


class Imported(NamedTuple):
    run: ExportRun
    limits: dict[str, Any]  # as the export gives them (checked: run.limits)
    lines: list[str]  # the events, one JSON text each, run.start naming the new id


def refuse(field: str, message: str) -> BadImport:
    return BadImport(f"{field}: {message}" if field else message, field=field or None)


def read(body: bytes, run_id: str, max_events: int) -> Imported:
    """The export in `body` as a run `run_id` can replay, or BadImport naming what is wrong."""
    try:
        export = json.loads(body)
    except (ValueError, RecursionError) as err:  # not UTF-8, not JSON, nested too deep
        raise refuse("", f"the body is not a JSON export: {err}") from None
    if not isinstance(export, dict):
        raise refuse("", "an export is a JSON object with format, version, run and events")
    run = head(export)
    events = export.get("events")
    if not isinstance(events, list) or not events:
        raise refuse("events", "an export holds the run's events, a non-empty list")
    if len(events) > max_events + 1:
        raise refuse(
            "events", f"{len(events)} events is more than this server records for a run "
            f"({max_events}, and its run.end: PIPESCOPE_MAX_EVENTS)",
        )  # fmt: skip
    lines = []
    last_t = 0.0
    for seq, event in enumerate(events):
        checked(event, seq, len(events), last_t)
        last_t = event["t"]
        if seq == 0:
            same(run, event)
            event = {**event, "run": run_id}
        lines.append(json.dumps(event))
        events[seq] = None  # let the parsed event go: the line is all that is kept
    return Imported(run, dict(export["run"]["limits"]), lines)


def head(export: dict[str, Any]) -> ExportRun:
    """format, version and run, each as the schema says."""
    for key in export:
        if key not in (*HEAD, "events"):
            raise refuse(key, "an export has format, version, run and events, nothing else")
    try:
        found = ExportHead.model_validate({k: export[k] for k in HEAD if k in export}, strict=True)
    except ValidationError as err:
        first = err.errors()[0]
        raise refuse(dotted(first["loc"]), first["msg"]) from None
    return found.run


def checked(event: Any, seq: int, count: int, last_t: float) -> None:
    where = f"events.{seq}"
    if not isinstance(event, dict):
        raise refuse(where, "an event is a JSON object (docs/events.md)")
    try:
        EVENT.validate_json(json.dumps(event), strict=True)
    except ValidationError as err:
        error = err.errors()[0]
        loc = list(error["loc"])
        if loc and loc[0] == event.get("type"):  # the union's tag, not a field
            loc = loc[1:]
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = ["type"]
        raise refuse(dotted([*where.split("."), *loc]), error["msg"]) from None
    if event["seq"] != seq:
        raise refuse(f"{where}.seq", f"is {event['seq']}; the events' seq are 0, 1, 2, ...")
    if event["t"] < last_t:
        raise refuse(f"{where}.t", f"{event['t']} is before the event before it ({last_t})")
    first, last = seq == 0, seq == count - 1
    if first and event["type"] != "run.start":
        raise refuse(f"{where}.type", "a run's first event is its run.start")
    if not first and event["type"] == "run.start":
        raise refuse(f"{where}.type", "a run has one run.start, its first event")
    if last and event["type"] != "run.end":
        raise refuse(f"{where}.type", "a run's last event is its run.end: export finished runs")
    if not last and event["type"] == "run.end":
        raise refuse(f"{where}.type", "a run has one run.end, its last event")


def same(run: ExportRun, start: dict[str, Any]) -> None:
    """The export's run says what its run.start says."""
    for key in ("scenario", "mode", "backend"):
        if getattr(run, key) != start[key]:
            raise refuse(f"run.{key}", f"{getattr(run, key)!r} is not run.start's {start[key]!r}")
    if run.limits.model_dump() != start["limits"]:
        raise refuse("run.limits", "are not the limits run.start names")


def dotted(loc: Any) -> str:
    return ".".join(str(part) for part in loc)

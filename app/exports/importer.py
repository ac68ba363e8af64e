"""A JSON export checked, strictly, into the lines of a run to replay (`POST /api/runs/import`).

Nothing in an export is trusted: its format and version, its run's metadata, every event
through the models of `app/events.py` (in strict mode: a string is no number), `seq` 0, 1, 2,
..., `t` never decreasing, run.start first and exactly one run.end, last; a source only
on a pasted program's run, and only one `POST /api/runs` would take. What fails is refused
with the field that is wrong, dotted (`events.12.state.pipes.0.ring`); the run's id is never
taken from it (the import gets a new one, and run.start says so).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from pydantic import TypeAdapter, ValidationError

from app.events import Event
from app.exports.envelope import ExportHead, ExportRun
from app.paste.request import PASTED
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


def read(body: bytes, run_id: str, max_events: int, max_source_kb: int) -> Imported:
    """The export in `body` as a run `run_id` can replay, or BadImport naming what is wrong.

    Read one event at a time (json's own scanner, from one value to the next), each kept
    only as its line: a 60 MB export costs its text and its lines, not a tree of its objects
    ten times that size."""
    try:
        text = body.decode()
    except UnicodeDecodeError as err:
        raise refuse("", f"the body is not a JSON export: {err}") from None
    scan = Scanner(text)
    fields: dict[str, Any] = {}
    lines: list[str] = []
    start: dict[str, Any] | None = None
    previous: tuple[float, str] | None = None
    try:
        for key in scan.members():
            if key in fields:
                raise refuse(key, "is given twice")
            if key != "events":
                fields[key] = scan.value()
                if key not in HEAD:
                    raise refuse(key, "an export has format, version, run and events only")
                continue
            fields[key] = None
            for seq, (event, line) in enumerate(scan.items("events")):
                if seq > max_events:
                    raise refuse(
                        "events",
                        f"holds more events than this server records for a "
                        f"run ({max_events}, and its run.end: PIPESCOPE_MAX_EVENTS)",
                    )
                checked(event, line, seq, previous)
                previous = event["t"], event["type"]
                if seq == 0:
                    start, line = event, json.dumps({**event, "run": run_id})
                elif "\n" in line:  # a pretty-printed export: one line an event, as recorded
                    line = json.dumps(event)
                lines.append(line)
    except (ValueError, RecursionError) as err:  # not JSON, or nested too deep for it
        raise refuse("", f"the body is not a JSON export: {err}") from None
    run = head(fields)
    pasted(run, max_source_kb)
    if start is None:
        raise refuse("events", "an export holds the run's events, a non-empty list")
    if previous is None or previous[1] != "run.end":
        raise refuse(
            f"events.{len(lines) - 1}.type",
            "a run's last event is its run.end: export finished runs",
        )
    same(run, start)
    return Imported(run, dict(fields["run"]["limits"]), lines)  # fmt: skip


class Scanner:
    """The export's top-level object, read a value at a time."""

    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0
        self.decoder = json.JSONDecoder()

    def skip(self) -> str:
        """The next character past white space ('' at the end)."""
        while self.at < len(self.text) and self.text[self.at] in " \t\n\r":
            self.at += 1
        return self.text[self.at : self.at + 1]

    def value(self) -> Any:
        self.skip()
        found, self.at = self.decoder.raw_decode(self.text, self.at)
        return found

    def expect(self, char: str) -> None:
        if self.skip() != char:
            self.value()  # says what is there instead, as json does
            raise json.JSONDecodeError(f"expecting {char!r}", self.text, self.at)
        self.at += 1

    def members(self) -> Iterator[str]:
        if self.skip() != "{":
            if self.skip() in ("[", '"') or self.skip().isdigit():
                self.value()
            raise refuse("", "the body is not a JSON export: an export is a JSON object "
                         "with format, version, run and events")  # fmt: skip
        self.at += 1
        if self.skip() == "}":
            self.at += 1
        else:
            while True:
                key = self.value()
                if not isinstance(key, str):
                    raise json.JSONDecodeError("expecting a key", self.text, self.at)
                self.expect(":")
                yield key
                if self.skip() != ",":
                    self.expect("}")
                    break
                self.at += 1
        if self.skip():
            raise json.JSONDecodeError("extra data after the export", self.text, self.at)

    def items(self, field: str) -> Iterator[tuple[Any, str]]:
        """A list's items, each with its JSON text."""
        if self.skip() != "[":
            self.value()
            raise refuse(field, "an export holds the run's events, a non-empty list")
        self.at += 1
        if self.skip() == "]":
            raise refuse(field, "an export holds the run's events, a non-empty list")
        while True:
            self.skip()
            began = self.at
            found = self.value()
            yield found, self.text[began : self.at]
            if self.skip() != ",":
                self.expect("]")
                return
            self.at += 1


def head(export: dict[str, Any]) -> ExportRun:
    """format, version and run, each as the schema says."""
    try:
        found = ExportHead.model_validate({k: export[k] for k in HEAD if k in export}, strict=True)
    except ValidationError as err:
        first = err.errors()[0]
        raise refuse(dotted(first["loc"]), first["msg"]) from None
    return found.run


def pasted(run: ExportRun, most_kb: int) -> None:
    """The run's source, if it has one, as this server would take it pasted: it is kept in
    the run store and shown on the run's page."""
    source = run.source
    if source is None:
        return
    if run.scenario != PASTED:
        raise refuse("run.source", f"only a pasted program's run (scenario {PASTED!r}) has one")
    try:
        size = len(source.encode())
    except UnicodeEncodeError:  # a lone surrogate, from a \ud800 in the JSON
        raise refuse("run.source", "is not text: it holds a lone surrogate") from None
    if size > most_kb << 10:
        raise refuse(
            "run.source",
            f"is {size} bytes; this server takes at most {most_kb} KiB (PIPESCOPE_MAX_SOURCE_KB)",
        )
    if not source.strip() or "\0" in source:
        raise refuse("run.source", "is empty or holds a NUL character, as no pasted source may")


def checked(event: Any, text: str, seq: int, previous: tuple[float, str] | None) -> None:
    """One event (parsed, and its JSON text), in its place after the one before it (that
    one's `t` and `type`)."""
    where = f"events.{seq}"
    if not isinstance(event, dict):
        raise refuse(where, "an event is a JSON object (docs/events.md)")
    try:
        EVENT.validate_json(text, strict=True)
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
    if previous is not None and event["t"] < previous[0]:
        raise refuse(f"{where}.t", f"{event['t']} is before the event before it ({previous[0]})")
    if previous is not None and previous[1] == "run.end":
        raise refuse(f"events.{seq - 1}.type", "a run has one run.end, its last event")
    if (seq == 0) != (event["type"] == "run.start"):
        said = "first event is its run.start" if seq == 0 else "run.start is its first event"
        raise refuse(f"{where}.type", f"a run's {said}, and it has one")


def same(run: ExportRun, start: dict[str, Any]) -> None:
    """The export's run says what its run.start says."""
    for key in ("scenario", "mode", "backend"):
        if getattr(run, key) != start[key]:
            raise refuse(f"run.{key}", f"{getattr(run, key)!r} is not run.start's {start[key]!r}")
    if run.limits.model_dump() != start["limits"]:
        raise refuse("run.limits", "are not the limits run.start names")


def dotted(loc: Any) -> str:
    return ".".join(str(part) for part in loc)

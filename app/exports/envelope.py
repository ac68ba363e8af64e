"""The JSON export: `{"format", "version", "run", "events"}`, every event exactly as
`/api/runs/{id}/events` gives it (docs/exports.md). A pasted program's run carries its C
source in `run.source`, which no event holds; other runs' exports have no such key, as before
there was one, and an export without it imports as it always did.

The events are sent as the text the run recorded, a batch at a time, never parsed nor copied
whole: a 37 MB run costs the server one batch of lines while it streams.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.events import Event
from app.runs.run import Run

FORMAT = "pipescope.run"
VERSION = 1
BATCH = 256  # events per chunk written
MAX_SOURCE_CHARS = 1 << 20  # what PIPESCOPE_MAX_SOURCE_KB allows at most; a server, its own


class ExportLimits(BaseModel):
    """The limits the run had (run.start's `limits`): numbers, each of them there."""

    model_config = ConfigDict(extra="allow")
    wall_s: float = Field(ge=0)
    cpu_s: float = Field(ge=0)
    memory_mb: float = Field(ge=0)
    max_procs: float = Field(ge=0)
    max_events: float = Field(ge=0)
    max_recording_mb: float = Field(ge=0)


class ExportRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(max_length=64, description="the run's id where it was exported")
    scenario: str = Field(max_length=200)
    mode: Literal["live", "step"]
    backend: Literal["runner", "strace"]
    limits: ExportLimits
    created: float = Field(description="Unix time the run was asked for")
    source: str | None = Field(
        default=None,
        max_length=MAX_SOURCE_CHARS,
        description="a pasted program's C source (scenario `pasted`), which its page shows; "
        "no other run has one",
    )


class ExportHead(BaseModel):
    """An export without its events: what it is, and the run it holds."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["pipescope.run"]
    version: Literal[1]
    run: ExportRun


class Export(ExportHead):
    """A run's export: what `GET /api/runs/{id}/export?format=json` gives and
    `POST /api/runs/import` takes."""

    model_config = ConfigDict(extra="forbid", title="pipescope run export")
    events: list[Event] = Field(min_length=1, description="seq 0, 1, ...; the last is run.end")


def run_metadata(run: Run) -> dict[str, Any]:
    meta = {
        "id": run.id,
        "scenario": run.scenario,
        "mode": run.mode,
        "backend": run.backend,
        "limits": run.limits,
        "created": run.created,
    }
    if run.source is not None:  # only then: other runs' exports stay as they were
        meta["source"] = run.source
    return meta


def stream(run: Run) -> Iterator[str]:
    """The export's text, in chunks. The run has ended, so its lines no longer change."""
    head = {"format": FORMAT, "version": VERSION, "run": run_metadata(run)}
    yield json.dumps(head)[:-1] + ', "events": [\n'
    lines = run.recording.lines
    for start in range(0, len(lines), BATCH):
        chunk = ",\n".join(lines[start : start + BATCH])
        yield chunk if start == 0 else ",\n" + chunk
    yield "\n]}\n"


def schema() -> dict[str, Any]:
    """The export's JSON Schema (draft 2020-12), from the same models that define the events."""
    found: dict[str, Any] = Export.model_json_schema()
    found["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    found["$id"] = "/api/schema/export.json"
    return found

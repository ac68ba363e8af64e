"""Runs out of pipescope and back in: exports in three formats, their schema, the import.

- `GET /api/runs/{id}/export?format=json|strace|perfetto`: a finished run as a download;
- `GET /api/schema/export.json`: the JSON export's JSON Schema, from the event models;
- `POST /api/runs/import`: a JSON export back in, as a finished run of its own.

The formats are app/exports/ (one module each) and docs/exports.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.api import ERRORS, REFUSED, RunId, manager, run_info
from app.exports import envelope, importer, perfetto, strace_text
from app.runs.errors import RunConflict
from app.runs.manager import new_run_id
from app.runs.owners import Owner
from app.runs.run import Run
from app.schemas import ErrorBody, RunCreated

router = APIRouter()
# An import takes a core for seconds (a 60 MB export: ~5 s here): one at a time, so a few
# cannot take the server's every thread and core.
ONE_IMPORT_AT_A_TIME = asyncio.Lock()
IMPORT_PATH = "/api/runs/import"
SCHEMA_PATH = "/api/schema/export.json"

# format -> (media type, file name's ending)
FORMATS = {
    "json": ("application/json", "json"),
    "strace": ("text/plain; charset=utf-8", "strace.txt"),
    "perfetto": ("application/json", "perfetto.json"),
}
Format = Literal["json", "strace", "perfetto"]


def body(run: Run, fmt: str) -> Iterator[str]:
    if fmt == "strace":
        return strace_text.render(run.recording.lines)
    if fmt == "perfetto":
        return perfetto.render(run.recording.lines, run.id)
    return envelope.stream(run)


@router.get(
    "/api/runs/{run_id}/export",
    tags=["exports"],
    responses=ERRORS
    | {200: {"content": {"application/json": {}, "text/plain": {}}, "description": "the file"}},
)
async def export_run(
    run_id: RunId,
    request: Request,
    format: Annotated[
        Format,
        Query(description="json: the events (docs/exports.md); strace: an strace-style log; "
              "perfetto: Trace Event JSON for ui.perfetto.dev"),
    ] = "json",
) -> Response:  # fmt: skip
    """A finished run as a file to keep: its events as JSON (`POST /api/runs/import` takes it
    back), as strace would have logged it, or as a trace for ui.perfetto.dev."""
    run = await manager(request).find(run_id)  # from memory, or the run store
    # Its run.end is its last event: nothing comes after it, whether or not the supervisor
    # has hung up yet (run.finished follows a moment later).
    if run.end() is None:
        raise RunConflict(
            f"run {run_id} is still running; export it once it has ended (its last event is "
            "run.end)"
        )
    media, ending = FORMATS[format]
    name = f"pipescope-{run.id}.{ending}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(body(run, format), media_type=media, headers=headers)


@lru_cache(maxsize=1)
def export_schema() -> dict[str, Any]:
    return envelope.schema()


@router.get(SCHEMA_PATH, tags=["exports"])
async def get_export_schema() -> JSONResponse:
    """The JSON Schema of a JSON export (draft 2020-12), generated from the event models."""
    return JSONResponse(export_schema(), media_type="application/schema+json")


@router.post(
    IMPORT_PATH,
    status_code=201,
    response_model=RunCreated,
    tags=["exports"],
    responses={
        413: {"model": ErrorBody, "description": "the body is larger than PIPESCOPE_MAX_IMPORT_MB"},
        415: REFUSED[415],
        422: {"model": ErrorBody, "description": "not an export this server can replay; "
              "`field` names what is wrong (`events.12.state.pipes.0.ring`)"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"a JSON export, as {SCHEMA_PATH} describes it",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)  # fmt: skip
async def import_run(request: Request, response: Response) -> RunCreated:
    """Bring back a run exported as JSON: it becomes a finished run of this server, with a
    new id, replayed as any other. Whoever imports it gets its `control_token` (to delete
    it)."""
    mgr = manager(request)
    run_id = new_run_id()
    raw = await request.body()
    async with ONE_IMPORT_AT_A_TIME:
        found = await run_in_threadpool(
            importer.read, raw, run_id, mgr.settings.max_events, mgr.settings.max_source_kb
        )
    del raw
    owner = Owner(client=request.client.host if request.client else "", mode=found.run.mode)
    meta = found.run
    run = Run.replayed(
        run_id, meta.scenario, meta.mode, meta.backend, found.limits, owner, meta.created,
        found.lines, meta.source,
    )  # fmt: skip
    mgr.adopt(run)
    response.headers["Location"] = f"/api/runs/{run.id}"
    return RunCreated(**run_info(run).model_dump(), control_token=owner.token)

"""The REST API: scenarios, runs, their events and states, and control."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from app.events import Event, WorldState
from app.paste.request import PASTED, pasted_request
from app.runs import lesson
from app.runs.control import KillOp, PauseOp, PlayOp, StepOp
from app.runs.errors import RunConflict, RunNotFound
from app.runs.manager import RunManager
from app.runs.output import SCROLLBACK, tail
from app.runs.owners import Owner
from app.runs.run import Run
from app.scenarios import catalog
from app.schemas import (
    ErrorBody,
    Health,
    LessonInfo,
    LessonLinks,
    RunCounts,
    RunCreate,
    RunCreated,
    RunEnd,
    RunInfo,
    ScenarioDetail,
    ScenarioSummary,
    TerminalOutput,
)

router = APIRouter()

RunId = Annotated[
    str,
    Path(
        description="the id POST /api/runs gave (32 hex digits: 128 random bits)",
        examples=["3f2a9c1b7d4e4a0f9b8c6d5e4f3a2b1c"],
    ),
]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "the body is not JSON text (not UTF-8, say)"},
    404: {"model": ErrorBody, "description": "no such run"},
    409: {"model": ErrorBody, "description": "the run cannot do that now; the message says why"},
    422: {"model": ErrorBody, "description": "the input is invalid; `field` names where"},
}
REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "no control token: send `Authorization: Bearer`"},
    403: {"model": ErrorBody, "description": "not this run's control token"},
    413: {"model": ErrorBody, "description": "the body is larger than PIPESCOPE_MAX_BODY_KB"},
    415: {"model": ErrorBody, "description": "the body is not declared application/json"},
}


# A control is taken at once and acted on by the run: its events tell what happened.
CONTROL: dict[str, Any] = {
    "status_code": 202,
    "response_model": RunInfo,
    "tags": ["control"],
    "responses": ERRORS | REFUSED,
}
DELETE_RESPONSES = ERRORS | REFUSED
DELETE_RESPONSES[204] = {"description": "the finished run is removed, from memory and the store"}
DELETE_RESPONSES[503] = {"model": ErrorBody, "description": "the run store could not remove it"}
HOW = "the header Authorization: Bearer <control_token>"
# Declared as a security scheme, so /docs has an Authorize button for it.
BEARER = HTTPBearer(
    auto_error=False,  # ours is the error shape, and the message says what to send
    description="the control_token POST /api/runs returned: `Authorization: Bearer <token>`",
)
Token = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def manager(request: Request) -> RunManager:
    found: RunManager = request.app.state.manager
    return found


def invalid(loc: tuple[str | int, ...], message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", *loc), "msg": message, "type": "value_error"}])


# -- scenarios -----------------------------------------------------------------------------
@router.get("/api/scenarios", response_model=list[ScenarioSummary], tags=["scenarios"])
async def list_scenarios() -> list[dict[str, Any]]:
    return [s.to_json() for s in catalog.all_scenarios()]


@router.get(
    "/api/scenarios/{name}",
    response_model=ScenarioDetail,
    tags=["scenarios"],
    responses={404: ERRORS[404] | {"description": "no such scenario"}},
)
async def get_scenario(name: Annotated[str, Path(examples=["hello-pipe"])]) -> dict[str, Any]:
    found = catalog.get(name)
    if found is None:
        names = ", ".join(s.name for s in catalog.all_scenarios())
        raise RunNotFound(f"no scenario named {name!r}; the scenarios are: {names}")
    return found.to_json(with_program=True)


# -- runs ----------------------------------------------------------------------------------
@lru_cache(maxsize=256)
def scenario_request(name: str, params: str) -> dict[str, Any]:
    """A scenario's runner request for these params (JSON), built and checked once: the
    same params always build the same program, and checking it costs more than a fork.
    Shared between runs: read it, never change it."""
    scenario = catalog.get(name)
    assert scenario is not None
    return scenario.request(json.loads(params))


@router.post(
    "/api/runs",
    status_code=201,
    response_model=RunCreated,
    tags=["runs"],
    responses={
        400: ERRORS[400],
        413: REFUSED[413],
        415: REFUSED[415],
        422: ERRORS[422],
        429: {
            "model": ErrorBody,
            "description": "too many runs at once, on this server or from this client; the "
            "message says which limit, Retry-After when to try again",
        },
        503: {"model": ErrorBody, "description": "the runner is down; try again"},
    },
)
async def create_run(body: RunCreate, request: Request, response: Response) -> RunCreated:
    """Start a run. The answer's `control_token` is given this once: step, play, pause and
    kill need it (`Authorization: Bearer <token>`, or `{\"op\": \"auth\"}` on the WebSocket)."""
    given = [f for f in ("scenario", "program", "c_source") if getattr(body, f) is not None]
    if not given:
        raise invalid(
            ("scenario",), "give a scenario name (GET /api/scenarios) or a program of your own"
        )
    if len(given) > 1:  # named by the first: the one a request would be read as
        raise invalid((given[0],), f"give a scenario name or a program, not both ({given})")
    settings = request.app.state.settings
    asked: dict[str, float]
    if body.c_source is not None:
        if body.params:
            raise invalid(("params",), "params belong to a scenario; c_source has none")
        name, asked = PASTED, {}
        backend = pasted_request(body.c_source, body.all_calls, settings)
    elif body.program is not None:
        if body.params:
            raise invalid(("params",), "params belong to a scenario; a program has none")
        name, asked = "custom", {}
        backend = {"backend": "runner", "program": body.program.model_dump(exclude_none=True)}
    else:
        scenario = catalog.get(body.scenario or "")
        if scenario is None:
            names = ", ".join(s.name for s in catalog.all_scenarios())
            raise invalid(("scenario",), f"no scenario named {body.scenario!r}; try one of {names}")
        try:
            backend = scenario_request(scenario.name, json.dumps(body.params, sort_keys=True))
        except ValidationError as err:
            raise RequestValidationError(
                [{**e, "loc": ("body", "params", *e["loc"])} for e in err.errors()]
            ) from None
        name, asked = scenario.name, scenario.limits
    if body.lesson and body.mode != "step" and "mode" in body.model_fields_set:
        raise invalid(("lesson",), 'a lesson is a step-mode run: leave mode out, or give "step"')
    mode = "step" if body.lesson else body.mode
    limits = settings.limits("lesson" if body.lesson else mode, asked)
    owner = Owner(client=request.client.host if request.client else "", mode=mode)
    run = await manager(request).create(
        name, limits, backend, owner, lesson=body.lesson, source=body.c_source
    )
    response.headers["Location"] = f"/api/runs/{run.id}"
    links = LessonLinks(**lesson.links(run.id, owner.token), control_token=owner.token)
    return RunCreated(
        **run_info(run).model_dump(),
        control_token=owner.token,
        links=links if body.lesson else None,
    )


@router.get("/api/runs/{run_id}", response_model=RunInfo, tags=["runs"], responses=ERRORS)
async def get_run(run_id: RunId, request: Request) -> RunInfo:
    return run_info(await manager(request).find(run_id))


@router.get(
    "/api/runs/{run_id}/events", response_model=list[Event], tags=["runs"], responses=ERRORS
)
async def get_events(
    run_id: RunId,
    request: Request,
    after: Annotated[int, Query(ge=-1, description="only events with a larger seq")] = -1,
    limit: Annotated[int, Query(ge=1, le=5000, description="at most this many")] = 1000,
) -> Response:
    """The run's events so far, in seq order, `limit` at a time. When more are recorded
    than one page holds, a `Link: <...>; rel="next"` header gives the next page's URL (as
    GitHub's API does). Poll with `after` = the last seq you have; the last event of a run is
    `run.end`."""
    recording = (await manager(request).find(run_id)).recording
    start = min(after + 1, len(recording))
    end = start + limit
    headers = {}
    if end < len(recording):
        page = request.url.include_query_params(after=end - 1, limit=limit)
        headers["Link"] = f'<{page.path}?{page.query}>; rel="next"'
    body = recording.as_array(start, end)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/api/runs/{run_id}/state", response_model=WorldState, tags=["runs"], responses=ERRORS)
async def get_state(
    run_id: RunId,
    request: Request,
    seq: Annotated[
        int | None, Query(ge=0, description="which event; the latest if left out")
    ] = None,
) -> Response:
    """The whole world after event `seq`: every process's fds, every pipe's bytes and ring."""
    run = await manager(request).find(run_id)
    count = len(run.recording)
    if count == 0:
        raise RunConflict(f"run {run_id} has no events yet; ask again in a moment")
    if seq is not None and seq >= count:
        raise RunNotFound(f"run {run_id} has events 0 to {count - 1} so far; seq {seq} is not one")
    state = run.recording.event(count - 1 if seq is None else seq)["state"]
    return Response(json.dumps(state), media_type="application/json")


@router.get(
    "/api/runs/{run_id}/output", response_model=TerminalOutput, tags=["runs"], responses=ERRORS
)
async def get_output(
    run_id: RunId,
    request: Request,
    upto: Annotated[
        int | None, Query(ge=0, description="a state's `output_at`; the latest if left out")
    ] = None,
) -> TerminalOutput:
    """What the run's terminal shows at a state's `output_at`: the last 8,192 characters of
    its output before that point. States carry only the offset; a page keeps the text it
    receives, and asks here for what it never received."""
    recording = (await manager(request).find(run_id)).recording
    start, end, text = tail(recording, upto, SCROLLBACK)
    return TerminalOutput(start=start, upto=end, text=text)


@router.post("/api/runs/{run_id}/step", **CONTROL)
async def step(
    run_id: RunId,
    request: Request,
    token: Token = None,
    body: Annotated[StepOp | None, Body()] = None,
) -> RunInfo:
    """Let one call go: that process's next call, or (no pid) the next in turn."""
    return await control(request, run_id, token, body or StepOp())


@router.post("/api/runs/{run_id}/play", **CONTROL)
async def play(
    run_id: RunId,
    request: Request,
    token: Token = None,
    body: Annotated[PlayOp | None, Body()] = None,
) -> RunInfo:
    """Let calls go by themselves, one per `interval_ms` (0: as fast as they come)."""
    return await control(request, run_id, token, body or PlayOp())


@router.post("/api/runs/{run_id}/pause", **CONTROL)
async def pause(run_id: RunId, request: Request, token: Token = None) -> RunInfo:
    return await control(request, run_id, token, PauseOp())


@router.delete("/api/runs/{run_id}", **CONTROL | {"responses": DELETE_RESPONSES})
async def kill(run_id: RunId, request: Request, token: Token = None) -> RunInfo | Response:
    """A running run: end it now (its processes are killed and reaped, `run.end` says
    `killed`, and the finished run stays for replay). A finished run: remove it, from
    memory and the run store (204); it is gone for everyone."""
    mgr = manager(request)
    run = await mgr.find(run_id)
    run.owner.check(token.credentials if token else None, run_id, "Authorization", HOW)
    if run.end() is not None:  # its last event came: finished, the supervisor gone or going
        await mgr.remove(run)
        return Response(status_code=204)
    run.control(KillOp())
    return run_info(run)


async def control(
    request: Request,
    run_id: str,
    token: HTTPAuthorizationCredentials | None,
    op: StepOp | PlayOp | PauseOp,
) -> RunInfo:
    run = await manager(request).find(run_id)
    run.owner.check(token.credentials if token else None, run_id, "Authorization", HOW)
    run.control(op)
    return run_info(run)


@router.get("/healthz", response_model=Health, tags=["service"])
async def healthz(request: Request) -> Health:
    mgr = manager(request)
    return Health(
        status="ok",
        runs=len(mgr.live()),
        max_runs=mgr.settings.max_runs,
        sandbox=mgr.runner.sandbox,
    )


def run_info(run: Run) -> RunInfo:
    state = run.recording.latest_state()
    procs = state["procs"]
    end = run.end()
    return RunInfo(
        id=run.id,
        ws=f"/ws/runs/{run.id}",
        events_url=f"/api/runs/{run.id}/events",
        scenario=run.scenario,
        mode=run.mode,
        backend=run.backend,
        status="ended" if end else "running",
        end=RunEnd(reason=end["reason"], message=end["message"]) if end else None,
        limits=run.limits,
        created=run.created,
        supervisor=run.supervisor,
        counts=RunCounts(
            events=len(run.recording),
            procs=len(procs),
            live_procs=sum(p["status"] in ("running", "blocked", "unknown") for p in procs),
            pipes=len(state["pipes"]),
            viewers=run.viewers,
        ),
        lesson=lesson_info(run),
    )


def lesson_info(run: Run) -> LessonInfo | None:
    if run.lesson is None:
        return None
    watching, following, _ = run.lesson.counts()
    return LessonInfo(
        watch_url=lesson.watch_path(run.id),
        watching=watching,
        following=following,
        position=run.lesson.position,
    )

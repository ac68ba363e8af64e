"""The application: `create_app()` builds it; `python -m app` serves it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from app import api, export_api, lessons_api, pages, privileges, ws
from app.config import Settings
from app.docs import add_docs
from app.guards import BodyLimit, HostGuard, JsonOnly, allowed_hosts
from app.headers import SecurityHeaders
from app.runs.errors import RunError
from app.runs.manager import RunManager
from app.templating import STATIC_DIR

DESCRIPTION = """
Real processes joined by real kernel pipes, one system call at a time.

Start a run with `POST /api/runs`, then watch it on the WebSocket the reply names
(`/ws/runs/{id}`): every event, in `seq` order, each carrying the whole state after it.
Every error is `{"error": "...", "field": "..."}`.
"""

# FastAPI's words for a body json.loads raised on with more than a JSONDecodeError.
FASTAPI_UNPARSED = "There was an error parsing the body"
UNPARSED = (
    "the body could not be read as JSON (not UTF-8, or nested too deeply); send one JSON "
    "object, as /docs shows"
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    manager = RunManager(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await manager.start()  # the fork server is warm before the first request
        if settings.server_user:
            privileges.drop_to(settings.server_user)  # the fork server alone stays root
        try:
            await manager.open_store()  # as the user that serves: the file is its own
            await manager.join_broker()  # other replicas find runs in the store, then here
            yield
        finally:
            await manager.stop()  # every run's processes killed and reaped

    app = FastAPI(
        title="pipescope",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from our own files (app/docs.py), never from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.manager = manager
    add_error_handlers(app)
    app.include_router(api.router)
    app.include_router(lessons_api.router)
    app.include_router(export_api.router)
    app.include_router(ws.router)
    app.include_router(pages.router)
    add_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    # The last added runs first: headers go on every answer, the host's refusal included.
    imports = {export_api.IMPORT_PATH: (settings.max_import_mb << 20, "PIPESCOPE_MAX_IMPORT_MB")}
    app.add_middleware(BodyLimit, limit=settings.max_body_kb << 10, larger=imports)
    app.add_middleware(JsonOnly)
    app.add_middleware(HostGuard, hosts=allowed_hosts(settings.host, settings.allowed_hosts))
    app.add_middleware(SecurityHeaders, embed_origins=settings.embed_origins)
    return app


def add_error_handlers(app: FastAPI) -> None:
    """Every error a client can cause is `{"error", "field"}`, with the status that fits."""

    @app.exception_handler(RunError)
    async def run_error(_: Request, exc: RunError) -> JSONResponse:
        body = {"error": exc.message, "field": exc.field}
        return JSONResponse(body, status_code=exc.status, headers=exc.headers())

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [_plain(e) for e in exc.errors()]
        first: dict[str, Any] = detail[0] if detail else {"loc": [], "msg": "invalid request"}
        if first.get("type") == "json_invalid":
            # Its loc is a character offset, not a field: say where, and name no field.
            at, why = first["loc"][-1], (first.get("ctx") or {}).get("error", "")
            unread = f"the body is not valid JSON: {why} (at character {at})"
            return JSONResponse({"error": unread, "field": None, "detail": detail}, 422)
        field = ".".join(str(p) for p in first["loc"][1:]) or None
        error = f"{field}: {first['msg']}" if field else first["msg"]
        return JSONResponse({"error": error, "field": field, "detail": detail}, status_code=422)

    @app.exception_handler(UnicodeError)
    async def not_text(_: Request, exc: UnicodeError) -> JSONResponse:
        # JSON may escape a lone surrogate (\ud800), which no UTF-8 text holds: a string a
        # check of its own did not catch first fails where it is encoded, not as a 500.
        error = (
            "the request holds a string that is not text (a lone surrogate such as \\ud800); "
            "send UTF-8 text"
        )
        return JSONResponse({"error": error, "field": None}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and pages.wants_page(request):
            return pages.not_found(request)
        error = UNPARSED if exc.detail == FASTAPI_UNPARSED else exc.detail
        body = {"error": error, "field": None}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def _plain(error: Any) -> dict[str, Any]:
    """A pydantic error without the parts that are not JSON (ctx may hold an exception). A
    ctx of plain values stays: with `type` as its key, the page words the message from it."""
    plain: dict[str, Any] = {
        "loc": list(error["loc"]),
        "msg": str(error["msg"]),
        "type": str(error["type"]),
    }
    ctx = error.get("ctx")
    if isinstance(ctx, dict) and all(isinstance(v, str | int | float) for v in ctx.values()):
        plain["ctx"] = ctx
    return plain

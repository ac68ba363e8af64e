"""A lesson's REST calls: hand it on to a colleague, and its watch link as a QR code.

A lesson starts with `POST /api/runs` and `"lesson": true` (app/api.py); its answer's
`links` hold the control link (the token in its fragment) and the watch link (no token).
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from fastapi import APIRouter, Request, Response

from app.api import ERRORS, HOW, REFUSED, RunId, Token, manager
from app.runs import lesson
from app.runs.errors import RunConflict
from app.runs.run import Run
from app.schemas import LessonLinks

router = APIRouter(tags=["lessons"])


def lesson_of(run: Run) -> lesson.Lesson:
    if run.lesson is None:
        raise RunConflict(
            f'run {run.id} is not a lesson; start one with POST /api/runs and "lesson": true'
        )
    return run.lesson


@router.post("/api/runs/{run_id}/hand-on", response_model=LessonLinks, responses=ERRORS | REFUSED)
async def hand_on(run_id: RunId, request: Request, token: Token = None) -> LessonLinks:
    """Give the lesson to a colleague: a new control token and link, for them to open. The
    old token (and every page that used it) controls nothing from now on; the colleague
    has the teacher's grace (PIPESCOPE_LESSON_TEACHER_GRACE_S) to open the link."""
    run = await manager(request).find(run_id)
    run.owner.check(token.credentials if token else None, run_id, "Authorization", HOW)
    new = lesson_of(run).hand_on(run)
    return LessonLinks(**lesson.links(run.id, new), control_token=new)


@router.get(
    "/api/runs/{run_id}/watch.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "the watch link as a QR code"},
        **ERRORS,
    },
)
async def watch_qr(run_id: RunId, request: Request) -> Response:
    """The lesson's watch link (its whole address, as this request reached the server) as a
    QR code, an SVG for the projector. It carries no token."""
    run = await manager(request).find(run_id)
    lesson_of(run)
    url = str(request.base_url).rstrip("/") + lesson.watch_path(run.id)
    return Response(qr_svg(url), media_type="image/svg+xml", headers={"X-Watch-Url": url})


@lru_cache(maxsize=64)
def qr_svg(text: str) -> str:
    """`text` as a QR code: dark modules on white with the quiet zone the standard asks (4),
    scaled by the page; medium error correction survives a projector's glare."""
    out = io.BytesIO()
    code = segno.make(text, error="m")
    code.save(out, kind="svg", border=4, xmldecl=False, svgclass="qr", omitsize=True, title=text)
    return out.getvalue().decode()

"""HTML pages (Jinja2): the gallery of scenarios and the run page.

The pages are thin: the server renders the first paint in the chosen language, and the
browser modules in `static/js/` do the rest against the JSON API and the WebSocket.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.guards import navigated_from_here
from app.i18n import COOKIE, LANGS, choose_lang, strings, translate
from app.paste.request import EXAMPLE_SOURCE, PASTED
from app.runs.errors import RunNotFound
from app.runs.run import Run
from app.scenarios.catalog import CHAPTERS, Scenario, all_scenarios, get
from app.templating import templates

ONE_YEAR = 365 * 24 * 3600

router = APIRouter()


def _page(
    request: Request, template: str, remember_lang: bool = True, **context: Any
) -> HTMLResponse:
    lang = choose_lang(request)

    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    response = templates.TemplateResponse(
        request,
        template,
        {"lang": lang, "langs": LANGS, "t": t, "strings": strings(), **context},
    )
    if remember_lang and request.query_params.get("lang") in LANGS:
        # A language chosen by link sticks, as one chosen with the switch does.
        response.set_cookie(COOKIE, lang, max_age=ONE_YEAR, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def gallery(request: Request) -> HTMLResponse:
    scenarios = [s.to_json() for s in all_scenarios()]
    # A traced C program is shown on its runner twin's card (trace-NAME beside NAME), not
    # as a card of its own that would look like a duplicate.
    names = {s["name"] for s in scenarios}
    twins = {s["name"]: f"trace-{s['name']}" for s in scenarios if f"trace-{s['name']}" in names}
    shown = [s for s in scenarios if s["name"] not in twins.values()]
    # Grouped by the note's chapters, in its order; a chapter with no scenario yet is left out.
    chapters = [(chapter, [s for s in shown if s["chapter"] == chapter]) for chapter in CHAPTERS]
    chapters = [(chapter, group) for chapter, group in chapters if group]
    first = chapters[0][1][0]["name"] if chapters else None  # where a newcomer starts
    return _page(
        request, "gallery.html", scenarios=scenarios, chapters=chapters, twins=twins, first=first
    )


@router.get("/run/{name}", response_class=HTMLResponse, include_in_schema=False)
def run_page(request: Request, name: str) -> HTMLResponse:
    scenario = get(name)
    if scenario is None:
        raise HTTPException(status_code=404, detail=f"no scenario named {name!r}")
    # Another site may link or frame this page with ?autorun=1; only the user, or a page of
    # ours (the gallery's Run buttons), may have it start a run without a click here.
    asked = request.query_params.get("autorun") == "1"
    autorun = asked and navigated_from_here(request.headers, request.url.scheme)
    response = _page(
        request,
        "run.html",
        scenario=scenario.to_json(),
        values=_asked(request, scenario),
        autorun="start" if autorun else ("refused" if asked else "no"),
        run=None,
    )
    response.headers["Vary"] = "Sec-Fetch-Site, Referer"
    return response


@router.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
async def kept_run_page(request: Request, run_id: str) -> HTMLResponse:
    """A run's own address: reloading or sharing it shows that run (and, with ?seq=K, that
    position) while the server or its store keeps it; whoever started it keeps its
    controls (the token stays in the tab's session storage)."""
    try:
        run, scenario = await _kept(request, run_id)
    except RunNotFound:
        return not_found(request, reason="notfound.run")
    response = _page(
        request,
        "run.html",
        scenario=_shown(scenario, run),
        values={},
        autorun="no",
        run={
            "id": run.id,
            "mode": run.mode,
            "composed": scenario is None,
            "lesson": run.lesson is not None,
        },
    )
    response.headers["Cache-Control"] = "no-store"  # the run changes; its page is made anew
    return response


@router.get("/embed/{run_id}", response_class=HTMLResponse, include_in_schema=False)
async def embed_page(request: Request, run_id: str) -> HTMLResponse:
    """A run, read-only, for a frame in another site's page (app/headers.py says which sites
    may frame it): the run page's drawing and replay, with no run controls. A `?lang=` here
    shows the embed in that language without changing the visitor's choice for this site."""
    try:
        run, scenario = await _kept(request, run_id)
    except RunNotFound:
        return not_found(request, reason="notfound.run")
    seq = request.query_params.get("seq", "")
    response = _page(
        request,
        "embed.html",
        remember_lang=False,
        scenario=_shown(scenario, run),
        run={"id": run.id},
        seq=int(seq) if seq.isascii() and seq.isdecimal() and len(seq) < 10 else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def _kept(request: Request, run_id: str) -> tuple[Run, Scenario | None]:
    """The run kept under this id, in memory or the store, and its scenario (None: a
    composed program)."""
    run: Run = await request.app.state.manager.find(run_id)
    return run, get(run.scenario)


def _shown(scenario: Scenario | None, run: Run) -> dict[str, Any]:
    """What a run's page shows of its program: its scenario, a pasted program's own source
    (kept with the run wherever it goes: the store, an export, another replica), or a
    composed program's words."""
    if run.source is not None:
        return pasted_program(run.source)
    return scenario.to_json() if scenario is not None else composed_program()


def composed_program() -> dict[str, Any]:
    """What the run page shows of a run of a program someone composed (no C source)."""
    words = {lang: translate(lang, "run.composed") for lang in LANGS}
    return {
        "name": "custom",
        "title": words,
        "summary": words,
        "notice": words,
        "params": [],
        "source": "",
        "backend": "runner",
        "chapter": "pipe",
    }


def pasted_program(source: str) -> dict[str, Any]:
    """What the run page shows of a student's own program: its source, in every language."""
    words = {lang: translate(lang, "paste.title") for lang in LANGS}
    return {
        "name": PASTED,
        "title": words,
        "summary": words,
        "notice": {lang: translate(lang, "paste.notice") for lang in LANGS},
        "params": [],
        "source": source,
        "sources": dict.fromkeys(LANGS, source),
        "backend": "strace",
        "chapter": "pipe",
    }


@router.get("/paste", response_class=HTMLResponse, include_in_schema=False)
def paste_page(request: Request) -> HTMLResponse:
    """The editor of a student's own C program: Run or Step it, see gcc's errors on lines."""
    return _page(request, "paste.html", example=EXAMPLE_SOURCE)


def wants_page(request: Request) -> bool:
    """A person's browser (it asks for HTML) at an address outside the API: a page, not JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/ws/", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def not_found(request: Request, reason: str = "notfound.body") -> HTMLResponse:
    response = _page(request, "not_found.html", path=request.url.path, reason=reason)
    response.status_code = 404
    return response


def _asked(request: Request, scenario: Scenario) -> dict[str, Any]:
    """Parameter values from the query (the gallery's form), as the fields should show them.

    Left unchecked on purpose: the server's API checks them when the run starts, and the
    page shows its message, so the browser and the API cannot disagree about what is valid.
    """
    query = request.query_params
    values: dict[str, Any] = {}
    for param in scenario.params:
        if param.kind is bool:
            values[param.name] = query.get(param.name) in ("true", "1", "on")
        elif param.name in query:
            values[param.name] = query[param.name]
    return values

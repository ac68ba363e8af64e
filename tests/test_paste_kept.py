"""A student's own program stays with its run wherever the run is kept or moved: read back
from the run store (memory dropped it, or the server restarted on the same data directory),
exported and imported. Each time, its page shows the student's source, not a composed
program's words, and its JSON export carries it; an export made before runs kept their
source still imports."""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from service_client import Client
from test_paste_api import PIPE_PROGRAM, unique

MARK = "/* the student's own line, kept with the run */"
SCENARIO_JSON = re.compile(r'<script type="application/json" id="scenario">(.*?)</script>', re.S)
DROPPED_S = 1.0  # the janitor's sweeps (every 0.25 s) drop a stored run from memory by then


def program(tag: str) -> str:
    """The pipe program with a line of its own, as a source nothing has compiled yet."""
    return unique(PIPE_PROGRAM.replace("int main(void) {", MARK + "\n\nint main(void) {"), tag)


def shown(api: Client, run_id: str, page: str = "runs") -> dict[str, Any]:
    """What the run's page (or its embed) shows of its program, as the page's script gets it."""
    response = api.http.get(f"/{page}/{run_id}", headers={"accept": "text/html"})
    assert response.status_code == 200, response.text
    found = SCENARIO_JSON.search(response.text)
    assert found is not None, response.text
    program: dict[str, Any] = json.loads(found.group(1))
    return program


def the_students(api: Client, run_id: str, source: str) -> None:
    """The page and the embed show `source`, as a pasted program's; the export carries it."""
    for page in ("runs", "embed"):
        seen = shown(api, run_id, page)
        assert seen["name"] == "pasted" and seen["backend"] == "strace", seen
        assert seen["source"] == source and MARK in seen["source"].splitlines()
        assert set(seen["sources"].values()) == {source}  # in every language
    export = api.http.get(f"/api/runs/{run_id}/export")
    assert export.status_code == 200, export.text
    assert export.json()["run"]["source"] == source


def pasted_run(api: Client, source: str) -> str:
    run_id: str = api.start(c_source=source)["id"]
    api.wait_ended(run_id)
    assert api.events(run_id)[-1]["reason"] == "exited"
    return run_id


def imported(api: Client, export: dict[str, Any]) -> str:
    response = api.http.post("/api/runs/import", json=export)
    assert response.status_code == 201, response.text
    run_id: str = response.json()["id"]
    return run_id


def test_after_a_restart_a_pasted_runs_page_shows_the_students_source(
    start_server: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    source = program("restart")
    with start_server(data_dir=data) as first:
        api = Client(first.url)
        run_id = pasted_run(api, source)
        the_students(api, run_id, source)  # from memory, as it always was
        events = api.http.get(f"/api/runs/{run_id}/events").text
    with start_server(data_dir=data) as second:
        again = Client(second.url)
        assert again.http.get(f"/api/runs/{run_id}/events").text == events  # from the store
        the_students(again, run_id, source)


def test_read_back_from_the_store_and_imported_a_pasted_run_keeps_its_source(
    start_server: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    source = program("moved")
    with start_server(data_dir=data, keep_finished=0) as srv:  # every stored run leaves memory
        api = Client(srv.url)
        run_id = pasted_run(api, source)
        time.sleep(DROPPED_S)
        the_students(api, run_id, source)  # read back from the store
        export = api.http.get(f"/api/runs/{run_id}/export").json()
        copy_id = imported(api, export)
        assert copy_id != run_id
        time.sleep(DROPPED_S)  # the import is stored, and dropped from memory too
        the_students(api, copy_id, source)
        again = api.http.get(f"/api/runs/{copy_id}/export").json()
        assert again["run"] == {**export["run"], "id": copy_id}
    with start_server(data_dir=data) as restarted:
        the_students(Client(restarted.url), copy_id, source)


@pytest.fixture(scope="module")
def pasted_export(server: str) -> dict[str, Any]:
    """A pasted run's JSON export, from the session's server."""
    api = Client(server)
    source = program("export")
    run_id = pasted_run(api, source)
    export: dict[str, Any] = api.http.get(f"/api/runs/{run_id}/export").json()
    api.http.close()
    assert export["run"]["source"] == source
    return export


def test_an_export_made_before_runs_kept_their_source_still_imports(
    api: Client, pasted_export: dict[str, Any]
) -> None:
    older = copy.deepcopy(pasted_export)
    del older["run"]["source"]
    run_id = imported(api, older)
    assert api.run(run_id)["scenario"] == "pasted"
    assert shown(api, run_id)["source"] == ""  # no source to show: a composed program's words
    export = api.http.get(f"/api/runs/{run_id}/export").json()
    assert export["run"] == {**older["run"], "id": run_id}  # and it exports as it came


@pytest.mark.parametrize(
    "source",
    [5, "", "  \n", "int main(void) { return 0; }\0", "//" + "x" * (33 << 10), "// \ud800\n"],
    ids=["no string", "empty", "blank", "a NUL", "past PIPESCOPE_MAX_SOURCE_KB", "a surrogate"],
)
def test_an_import_takes_only_a_source_a_paste_would_be(
    api: Client, pasted_export: dict[str, Any], source: Any
) -> None:
    bad = copy.deepcopy(pasted_export)
    bad["run"]["source"] = source
    response = api.http.post(
        "/api/runs/import",
        content=json.dumps(bad).encode(),  # ASCII, with \ud800 escaped as JSON allows
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "run.source", response.text

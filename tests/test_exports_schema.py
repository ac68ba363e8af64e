"""The export's JSON Schema, published at /api/schema/export.json, describes what the server
exports: real exports of every chapter validate against it (with `jsonschema`, not with the
models it was generated from), and a broken one does not."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from exports_runs import CHAPTERS, PASTED_SOURCE, Exported
from service_client import Client


@pytest.fixture(scope="module")
def schema(server: str) -> dict[str, Any]:
    client = Client(server)
    response = client.http.get("/api/schema/export.json")
    client.http.close()
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/schema+json"
    found: dict[str, Any] = response.json()
    jsonschema.Draft202012Validator.check_schema(found)
    return found


@pytest.mark.parametrize("scenario", CHAPTERS)
def test_every_chapters_export_validates(
    schema: dict[str, Any], exported: dict[str, Exported], scenario: str
) -> None:
    jsonschema.Draft202012Validator(schema).validate(exported[scenario].json)


def test_a_pasted_programs_export_has_its_source_and_one_without_it_validates(
    schema: dict[str, Any], exported: dict[str, Exported]
) -> None:
    pasted = exported["pasted"].json
    assert pasted["run"]["source"] == PASTED_SOURCE
    assert "source" not in exported["hello-pipe"].json["run"]  # other runs' are as they were
    older = copy.deepcopy(pasted)
    del older["run"]["source"]  # as exports were made before runs kept their source
    jsonschema.Draft202012Validator(schema).validate(older)


def test_the_schema_knows_every_event_type(schema: dict[str, Any]) -> None:
    from app.events import EVENT_MODELS, event_type

    text = str(schema)
    for model in EVENT_MODELS:
        assert f"'{event_type(model)}'" in text, event_type(model)


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e.update(version=2),
        lambda e: e["run"].pop("created"),
        lambda e: e["events"][3].update(type="call.teleport"),
        lambda e: e["events"][12]["state"]["pipes"][0].update(ring=5),
        lambda e: e["events"][5]["state"]["procs"][0].update(status="asleep"),
        lambda e: e["events"][-1].pop("message_key"),
        lambda e: e["run"].update(source=5),
    ],
    ids=[
        "version",
        "run.created",
        "type",
        "ring",
        "proc status",
        "run.end message_key",
        "run.source",
    ],
)
def test_a_broken_export_does_not_validate(
    schema: dict[str, Any], exported: dict[str, Exported], change: Any
) -> None:
    export = copy.deepcopy(exported["hello-pipe"].json)
    change(export)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(export)

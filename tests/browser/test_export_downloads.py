"""The run page's Export menu downloads each export of the run it shows: the JSON export
with the run's own events, the strace-style log, the Perfetto trace (docs/exports.md)."""

from __future__ import annotations

import json
from pathlib import Path

from embedpage import at_seq, finished
from playwright.sync_api import Page, expect
from service_client import Client

ENDINGS = {"json": "json", "strace": "strace.txt", "perfetto": "perfetto.json"}


def test_each_export_downloads_from_the_run_page(page: Page, api: Client) -> None:
    run = finished(api)
    rid = run["id"]
    page.goto(f"/runs/{rid}?seq=3")
    at_seq(page, 3)
    page.get_by_test_id("export").locator("summary").click()
    got: dict[str, str] = {}
    for fmt, ending in ENDINGS.items():
        link = page.get_by_test_id(f"export-{fmt}")
        expect(link).to_be_visible()
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == f"pipescope-{rid}.{ending}"
        got[fmt] = Path(download.value.path()).read_text()
    exported = json.loads(got["json"])
    assert exported["format"] == "pipescope.run" and exported["run"]["id"] == rid
    assert exported["events"] == run["events"]
    assert 'write(4, "hello pipe\\n", 11)' in got["strace"]
    trace = json.loads(got["perfetto"])
    assert trace["traceEvents"], trace
    at_seq(page, 3)  # a download leaves the page where it was

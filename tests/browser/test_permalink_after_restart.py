"""A link to a step outlives the server: `/runs/ID?seq=K` opened after a restart (SIGTERM,
then a new server on the same data directory) shows the same step as before, from the store,
with no new process."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from conftest import DESKTOP
from playwright.sync_api import Browser, Page, expect
from runpage import card, fd_rows, go_to, log_line, pipe_bytes, run_from_gallery, wait_for_end
from service_client import Server


def what_the_step_shows(page: Page) -> dict[str, Any]:
    stage = page.get_by_test_id("stage")
    return {
        "seq": stage.get_attribute("data-seq"),
        "parent": fd_rows(page, "parent"),
        "child": fd_rows(page, "child"),
        "bytes": pipe_bytes(page).all_inner_texts(),
        "log": page.locator('[data-testid="log-line"]').count(),
        "caption": page.get_by_test_id("caption").inner_text()
        if page.get_by_test_id("caption").count()
        else None,
    }


def test_the_permalink_shows_the_same_step_after_a_restart(
    browser: Browser, start_server: Callable[..., AbstractContextManager[Server]], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with start_server(data_dir=data) as first:
        context = browser.new_context(viewport=DESKTOP, locale="en-US", base_url=first.url)
        page = context.new_page()
        run_from_gallery(page, "hello-pipe")
        wait_for_end(page)
        seq = go_to(page, log_line(page, "call.return", "write"))
        expect(page).to_have_url(re.compile(rf"/runs/[0-9a-f]{{32}}\?seq={seq}$"))
        link = re.sub(r"^https?://[^/]+", "", page.url)
        page.goto(link)  # the link, opened afresh, while the first server still has the run
        expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        expect(card(page, "child")).to_be_visible()
        before = what_the_step_shows(page)
        context.close()

    with start_server(data_dir=data) as second:
        context = browser.new_context(viewport=DESKTOP, locale="en-US", base_url=second.url)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(link)
        expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        expect(card(page, "child")).to_be_visible()
        wait_for_end(page)
        assert what_the_step_shows(page) == before
        assert "11" in "".join(before["bytes"])  # the write's 11 bytes sit in the pipe
        # A replay of what was stored: the page moves through it as through any run.
        page.get_by_test_id("forward").click()
        expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq + 1))
        context.close()
        assert not errors, errors
        assert "POST /api/runs " not in second.log_text()  # no new run: no new process

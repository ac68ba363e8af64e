"""The page keeps the control token of the runs it starts and controls them with it; a page
that has no token for its run (here: the token taken out of the answer on its way) shows the
run and its replay, but no run controls, and says why in the page's language."""

from __future__ import annotations

import json

from playwright.sync_api import Page, Route, expect
from runpage import card, wait_for_end


def test_the_page_keeps_the_token_of_its_run(page: Page) -> None:
    page.goto("/run/hello-pipe")
    page.get_by_test_id("run-step").click()
    expect(card(page, "parent").get_by_test_id("step")).to_be_visible()
    stored = page.evaluate(
        "Object.keys(sessionStorage).filter(k => k.startsWith('pipescope.token.'))"
    )
    assert len(stored) == 1 and len(page.evaluate(f"sessionStorage['{stored[0]}']")) >= 22
    page.get_by_test_id("auto").click()  # play: the run's own control, with the token
    wait_for_end(page)
    expect(page.get_by_test_id("no-control")).to_be_hidden()


def without_token(route: Route) -> None:
    answer = route.fetch()
    body = answer.json()
    body.pop("control_token", None)
    route.fulfill(response=answer, body=json.dumps(body))


def test_a_page_without_the_token_shows_no_run_controls(page: Page) -> None:
    page.route("**/api/runs", without_token)
    page.goto("/run/hello-pipe?lang=zh")
    page.get_by_test_id("run-step").click()
    expect(card(page, "parent")).to_be_visible()  # it watches the run
    note = page.get_by_test_id("no-control")
    expect(note).to_be_visible()
    expect(note).to_contain_text("只有启动这次运行的页面才能控制它")
    expect(page.get_by_test_id("stepbar")).to_be_hidden()
    expect(page.get_by_test_id("stop")).to_be_hidden()
    expect(card(page, "parent").get_by_test_id("step")).to_have_count(0)
    page.get_by_test_id("lang-en").click()
    expect(note).to_contain_text("Only the page that started this run may control it")

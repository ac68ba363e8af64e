"""A run has an address of its own: a reload (or the link, shared) comes back to the same run
at the same position, with the controls of whoever started it; and a new run never ends the
live one without asking."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, run_from_gallery, wait_for_end

RUN_URL = re.compile(r"/runs/([0-9a-f]+)(\?seq=(\d+))?$")


def run_id(page: Page) -> str:
    found = RUN_URL.search(page.url)
    assert found, page.url
    return found.group(1)


def test_reload_keeps_the_run_and_the_position(page: Page) -> None:
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    rid = run_id(page)
    seq = go_to(page, log_line(page, "call.return", "write"))
    expect(page).to_have_url(re.compile(rf"/runs/{rid}\?seq={seq}$"))
    page.reload()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
    assert run_id(page) == rid
    expect(page.locator('[data-testid="log-line"][data-type="run.end"]')).to_have_count(1)
    # Moving on from there works as before the reload.
    page.get_by_test_id("forward").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq + 1))


def test_a_step_mode_run_survives_a_reload_with_its_controls(page: Page) -> None:
    run_from_gallery(page, "hello-pipe", mode="step")
    card(page, "parent").get_by_test_id("step").click()
    # Once pipe() has returned the run waits for the next step: nothing more comes.
    returned = log_line(page, "call.return", "pipe")
    expect(returned).to_have_count(1)
    seq = int(returned.get_attribute("data-seq") or "-1")
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
    expect(page).to_have_url(re.compile(rf"\?seq={seq}$"))  # what a reload comes back to
    rid = run_id(page)
    before = seq
    page.reload()
    assert run_id(page) == rid
    # The newest position, as before; the tab still holds the run's control token.
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(before))
    expect(page.get_by_test_id("stepbar")).to_be_visible()
    card(page, "parent").get_by_test_id("step").click()
    expect(page.get_by_test_id("stage")).not_to_have_attribute("data-seq", str(before))


def test_a_new_run_asks_before_it_ends_the_live_one(page: Page) -> None:
    run_from_gallery(page, "hello-pipe", mode="step")
    expect(card(page, "parent")).to_be_visible()
    first = run_id(page)
    dialog = page.get_by_test_id("confirm-new-run")
    page.get_by_test_id("run-live").click()
    expect(dialog).to_be_visible()
    page.get_by_test_id("confirm-new-no").click()
    expect(dialog).to_be_hidden()
    assert run_id(page) == first
    expect(page.locator('[data-testid="log-line"][data-type="run.end"]')).to_have_count(0)
    expect(page.get_by_test_id("stepbar")).to_be_visible()  # still this run, still steppable

    page.get_by_test_id("run-step").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")  # Escape keeps it too
    expect(dialog).to_be_hidden()
    assert run_id(page) == first

    page.get_by_test_id("run-live").click()
    page.get_by_test_id("confirm-new-yes").click()
    expect(page).not_to_have_url(re.compile(rf"/runs/{first}"))
    wait_for_end(page)
    assert run_id(page) != first


def test_an_ended_run_starts_again_without_asking(page: Page) -> None:
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    first = run_id(page)
    page.get_by_test_id("run-live").click()
    expect(page).not_to_have_url(re.compile(rf"/runs/{first}"))
    expect(page.get_by_test_id("confirm-new-run")).to_be_hidden()


def test_a_run_no_longer_kept_says_so_in_a_page(page: Page) -> None:
    answer = page.goto("/runs/0123456789ab")
    assert answer is not None and answer.status == 404
    expect(page.get_by_test_id("not-found")).to_contain_text("not kept any more")
    expect(page.locator('a[href="/"]').last).to_be_visible()

"""The pipe area, when the kernel holds no pipe of the run, speaks of the run's own lesson: a
pipe scenario before pipe() says where one will appear (and at its end, why none is left), a
FIFO scenario says when its pipe exists, and a shared-memory or socket scenario, once its
objects are gone, says nothing of pipes at all."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from runpage import run_from_gallery, wait_for_end

NOTE = '[data-testid="pipes"] p.none'


def show(page: Page, seq: int) -> None:
    page.get_by_test_id("slider").fill(str(seq))
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))


def test_a_pipe_scenario_says_where_its_pipe_will_be(page: Page) -> None:
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    show(page, 0)
    expect(page.locator(NOTE)).to_have_text("No pipe exists right now. pipe() creates one here.")
    # At the end no process is left to call pipe(): the note says why no pipe is left.
    show(page, int(page.get_by_test_id("slider").get_attribute("max") or "0"))
    expect(page.locator(NOTE)).to_contain_text("No pipe is left")


def test_a_fifo_scenario_says_when_its_pipe_exists(page: Page) -> None:
    run_from_gallery(page, "fifo-rendezvous")
    wait_for_end(page)
    show(page, 0)
    expect(page.locator(NOTE)).to_contain_text("only while a process holds it open")


@pytest.mark.parametrize("scenario", ["fork-cow-vs-shared", "stream-vs-datagram"])
def test_other_lessons_never_wait_for_a_pipe(page: Page, scenario: str) -> None:
    run_from_gallery(page, scenario)
    wait_for_end(page)
    last = int(page.get_by_test_id("slider").get_attribute("max") or "0")
    for seq in (0, last):
        show(page, seq)
        expect(page.locator(NOTE)).to_have_count(0)

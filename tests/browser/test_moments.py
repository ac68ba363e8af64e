"""A long run is moved through by its moments: the next block, wake, end of file, signal,
exit or failed call, and back; and, when asked, each call as one step."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from runpage import run_from_gallery, shown_seq, wait_for_end


def events_of_this_run(page: Page) -> list[dict[str, Any]]:
    rid = re.search(r"/runs/([0-9a-f]+)", page.url)
    assert rid, page.url
    found: list[dict[str, Any]] = page.evaluate(
        "id => fetch(`/api/runs/${id}/events?limit=5000`).then(r => r.json())", rid.group(1)
    )
    return found


def to_first(page: Page) -> None:
    first = page.get_by_test_id("first")
    if first.is_enabled():
        first.click()
    expect_seq(page, 0)


def expect_seq(page: Page, seq: int) -> None:
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))


MOMENTS = {
    "block": lambda e: e["type"] == "call.block",
    "wake": lambda e: e["type"] == "call.return" and e["blocked"],
    "eof": lambda e: e["type"] == "call.return" and e["call"] == "read" and e["ret"] == 0,
    "signal": lambda e: e["type"] == "signal",
    "exit": lambda e: e["type"] == "proc.exit",
    "error": lambda e: e["type"] == "call.return" and e["ret"] == -1,
}


@pytest.mark.parametrize(
    ("scenario", "kinds"),
    [("forgot-close", ["block", "wake"]), ("eof", ["eof", "exit"]), ("sigpipe", ["signal"])],
)
def test_jumps_land_on_each_moment_in_turn_both_ways(
    page: Page, scenario: str, kinds: list[str]
) -> None:
    run_from_gallery(page, scenario)
    wait_for_end(page)
    events = events_of_this_run(page)
    for kind in kinds:
        wanted = [e["seq"] for e in events if MOMENTS[kind](e)]
        assert wanted, kind
        page.get_by_test_id("moment-kind").select_option(kind)
        to_first(page)
        for seq in wanted:
            page.get_by_test_id("moment-next").click()
            expect_seq(page, seq)
        expect(page.get_by_test_id("moment-next")).to_be_disabled()
        page.get_by_test_id("stage").click()  # the keys act when no field has focus
        for seq in reversed(wanted[:-1]):
            page.keyboard.press("[")
            expect_seq(page, seq)
        expect(page.get_by_test_id("moment-prev")).to_be_disabled()


def test_whole_calls_step_from_before_a_call_to_its_return(page: Page) -> None:
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    events = events_of_this_run(page)
    # The page follows the live run to its end: once it is there, nothing moves the stage
    # but the test's own clicks (on a loaded machine it may still be on its way).
    expect_seq(page, len(events) - 1)
    page.get_by_test_id("whole-calls").check()
    to_first(page)
    visited = [shown_seq(page)]
    while not page.get_by_test_id("forward").is_disabled():
        page.get_by_test_id("forward").click()
        expect(page.get_by_test_id("stage")).not_to_have_attribute("data-seq", str(visited[-1]))
        visited.append(shown_seq(page))
    assert visited[-1] == len(events) - 1
    kinds = [events[seq]["type"] for seq in visited]
    assert "call.enter" not in kinds and "call.return" in kinds
    skipped = {e["seq"] for e in events} - set(visited)
    assert skipped and all(events[seq]["type"] == "call.enter" for seq in skipped)
    # The choice is kept, and off again gives every event.
    page.reload()
    expect(page.get_by_test_id("whole-calls")).to_be_checked()
    page.get_by_test_id("whole-calls").uncheck()
    to_first(page)
    page.get_by_test_id("forward").click()
    expect_seq(page, 1)

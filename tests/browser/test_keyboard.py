"""Step mode by keyboard alone: Tab reaches a process's Step button, Space and Enter press it
(the page's shortcuts do not take those keys from a focused control), and after the step's
events have been drawn the focus is still on that process's Step button."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect
from runpage import card, run_from_gallery

FOCUSED = """() => { const el = document.activeElement;
  return el ? {testid: el.dataset.testid ?? null,
               role: el.closest('[data-testid=proc]')?.dataset.role ?? null} : null; }"""


def tab_to(page: Page, role: str, testid: str = "step") -> None:
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == {"testid": testid, "role": role}:
            return
    raise AssertionError(f"Tab never reached {role}'s {testid}")


def calls_of(page: Page, role: str) -> Locator:
    pid = card(page, role).get_attribute("data-pid")
    return page.locator(f'[data-testid="log-line"][data-type="call.enter"][data-pid="{pid}"]')


def test_keyboard_only_step_mode_keeps_focus_on_the_step_button(page: Page) -> None:
    run_from_gallery(page, "hello-pipe", mode="step")
    parent = card(page, "parent")
    for _ in range(2):  # pipe, then fork: now the child has a call to make
        parent.get_by_test_id("step").click()
        expect(parent.get_by_test_id("step")).to_be_enabled()
    child_step = card(page, "child").get_by_test_id("step")
    expect(child_step).to_be_enabled()
    page.locator("body").focus()
    tab_to(page, "child")
    # Space: close(fd[1]) goes, and returns; the child's next call is its read.
    before = calls_of(page, "child").count()
    page.keyboard.press("Space")
    expect(calls_of(page, "child")).to_have_count(before + 1)
    expect(card(page, "child").get_by_test_id("step")).to_be_enabled()
    assert page.evaluate(FOCUSED) == {"testid": "step", "role": "child"}
    # Enter: the read goes, and blocks (the pipe is empty): the child has no Step now, and
    # the focus waits on its card, not on <body>.
    page.keyboard.press("Enter")
    expect(calls_of(page, "child")).to_have_count(before + 2)
    expect(card(page, "child").get_by_test_id("proc-status")).to_have_attribute(
        "data-status", "blocked"
    )
    assert page.evaluate(FOCUSED) == {"testid": "proc-status", "role": "child"}
    # The replay's Space shortcut still works when no control has the focus.
    page.evaluate("document.activeElement.blur()")
    play = page.get_by_test_id("play")
    was = play.get_attribute("aria-pressed")
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-pressed", "false" if was == "true" else "true")

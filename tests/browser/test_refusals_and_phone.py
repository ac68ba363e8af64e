"""When the server says no, the page says why, in its own language, from what the server
said; and the page works on a phone's width."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from runpage import card, go_to, log_line, pipe_ends, run_from_gallery, snapshot, wait_for_end


def test_invalid_parameters_show_the_servers_message(page: Page) -> None:
    page.goto("/run/full-buffer")
    page.locator('[data-testid="run-form"] input[name="total"]').fill("1")
    page.get_by_test_id("run-live").click()
    alert = page.get_by_test_id("alert")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("data-status", "422")
    expect(alert).to_contain_text("The server refused these parameters")
    expect(alert).to_contain_text("total")
    expect(alert).to_contain_text("total: must be at least 4096")  # worded by the page
    expect(page.get_by_test_id("empty")).to_be_visible()


def test_too_many_runs_says_when_to_try_again(
    browser: Browser, start_server: Callable[..., AbstractContextManager[object]], shots: Path
) -> None:
    with start_server(max_runs=1) as srv:
        url = srv.url  # type: ignore[attr-defined]
        context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=url)
        first, second = context.new_page(), context.new_page()
        first.goto("/run/hello-pipe?autorun=1&mode=step")  # waits on the student: stays alive
        expect(card(first, "parent").get_by_test_id("step")).to_be_visible()
        second.goto("/run/hello-pipe")
        second.get_by_test_id("run-live").click()
        alert = second.get_by_test_id("alert")
        expect(alert).to_have_attribute("data-status", "429")
        expect(alert).to_contain_text("Too many runs at once. Try again in")
        snapshot(second, shots / "refused-429.png")
        context.close()


def test_phone_width_shows_the_same_world(phone: Page, shots: Path) -> None:
    run_from_gallery(phone, "hello-pipe")
    wait_for_end(phone)
    go_to(phone, log_line(phone, "proc.start", nth=1))
    assert pipe_ends(phone, "parent") == pipe_ends(phone, "child") == {3: "read", 4: "write"}
    go_to(phone, log_line(phone, "call.return", "write"))
    phone.evaluate("window.scrollTo(0, 0)")
    phone.screenshot(path=shots / "phone-hello-pipe.png", full_page=True)
    phone.get_by_test_id("stage").screenshot(path=shots / "phone-stage.png")
    # Nothing is wider than the screen: no sideways scrolling of the page.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

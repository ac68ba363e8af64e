"""What the tests read off the run page, by its data attributes (never by pixels)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect


def card(page: Page, role: str) -> Locator:
    return page.locator(f'[data-testid="proc"][data-role="{role}"]')


def fd_rows(page: Page, role: str) -> list[dict[str, Any]]:
    """The open fds a process's card shows: fd, kind, pipe and end, in table order."""
    rows: list[dict[str, Any]] = card(page, role).evaluate(
        """card => [...card.querySelectorAll('[data-testid="fd-row"]')].map(r => ({
            fd: Number(r.dataset.fd), kind: r.dataset.kind,
            pipe: r.dataset.pipe ?? null, end: r.dataset.end ?? null}))"""
    )
    return rows


def pipe_ends(page: Page, role: str) -> dict[int, str]:
    return {r["fd"]: r["end"] for r in fd_rows(page, role) if r["kind"] == "pipe"}


def log_line(page: Page, event_type: str, call: str | None = None, nth: int = 0) -> Locator:
    selector = f'[data-testid="log-line"][data-type="{event_type}"]'
    if call:
        selector += f'[data-call="{call}"]'
    return page.locator(selector).nth(nth)


def go_to(page: Page, line: Locator) -> int:
    """Click a log line; return its seq once the stage shows that event."""
    seq = int(line.get_attribute("data-seq") or "-1")
    line.click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
    return seq


def shown_seq(page: Page) -> int:
    return int(page.get_by_test_id("stage").get_attribute("data-seq") or "-1")


def pipe_bytes(page: Page) -> Locator:
    return page.locator('[data-testid="pipe"] [data-testid="pipe-bytes"]')


def wait_for_end(page: Page) -> None:
    expect(page.locator('[data-testid="log-line"][data-type="run.end"]')).to_have_count(1)


def run_from_gallery(page: Page, scenario: str, mode: str = "live") -> None:
    page.goto("/")
    button = "run" if mode == "live" else "step"
    page.get_by_test_id(f"{button}-{scenario}").click()
    expect(page.get_by_test_id("run-page")).to_be_visible()


def snapshot(page: Page, path: object) -> None:
    """A screenshot of the top of the page (where the stage is), for a person to look at."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path)

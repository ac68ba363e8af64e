"""A scenario's text shows its `code` spans (a pipe's name, the bytes it carries) as code, in
the language the page came in and after switching: never a backtick on the page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

NOTICE = '[data-testid="notice"] p'


def test_code_spans_are_code_in_both_languages(page: Page) -> None:
    page.goto("/run/two-pipes?lang=zh")
    notice = page.locator(NOTICE)
    expect(notice.locator("code")).to_have_text(["req", "ping", "rep", "pong", "rep"])
    expect(notice).to_contain_text("从父进程送到子进程")
    assert "`" not in (notice.text_content() or "")

    page.get_by_test_id("lang-en").click()
    expect(notice).to_contain_text("from parent to child")
    expect(notice.locator("code")).to_have_text(["req", "ping", "rep", "pong", "rep"])
    assert "`" not in (notice.text_content() or "")


def test_a_summary_in_the_gallery_shows_commands_as_code(page: Page) -> None:
    page.goto("/?lang=en")
    summary = page.locator('[data-scenario="trace-pipeline"] [data-testid="scenario-summary"]')
    expect(summary.locator("code").first).to_have_text("ls | wc -l")
    page.get_by_test_id("lang-zh").click()
    expect(summary.locator("code").first).to_have_text("ls | wc -l")
    assert "`" not in (summary.text_content() or "")

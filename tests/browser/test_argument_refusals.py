"""An argument a program may not take, refused in the page's own language (docs/security.md,
"The second line")."""

from __future__ import annotations

from playwright.sync_api import Page, expect

ATTACK = "cat words.txt | sort -r --compress-prog=sh"


def refuse(page: Page, lang: str) -> None:
    page.goto(f"/run/trace-pipeline?lang={lang}")
    page.locator('[data-testid="run-form"] input[name="command"]').fill(ATTACK)
    page.get_by_test_id("run-live").click()
    expect(page.get_by_test_id("alert")).to_have_attribute("data-status", "422")


def test_a_refused_option_is_told_in_english(page: Page) -> None:
    refuse(page, "en")
    alert = page.get_by_test_id("alert")
    expect(alert).to_contain_text("command: sort --compress-prog=sh: --compress-prog")
    expect(alert).to_contain_text("(--compress-program) runs another program")
    expect(alert).to_contain_text("Allowed: sort [-bdfgiMhnRrVcCmsuz] [-k KEYDEF]")
    expect(page.get_by_test_id("empty")).to_be_visible()


def test_a_refused_option_is_told_in_chinese(page: Page) -> None:
    refuse(page, "zh")
    alert = page.get_by_test_id("alert")
    expect(alert).to_contain_text("会运行另一个程序，这里不允许")
    expect(alert).to_contain_text("允许的用法：sort [-bdfgiMhnRrVcCmsuz]")
    expect(alert).not_to_contain_text("runs another program")

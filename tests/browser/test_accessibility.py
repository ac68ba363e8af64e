"""axe-core (vendored in tests/vendor, never served) finds no violation of WCAG 2.1 A and AA
rules on the gallery and on the run page, in both languages and at both widths, before a run
and at its interesting moments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, run_from_gallery, wait_for_end

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page: Page) -> list[dict[str, Any]]:
    # Run as the test's own script (DevTools), not as one the page loads: the page's policy
    # rightly refuses inline scripts.
    page.evaluate(AXE.read_text() + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(
        """async (rules) => (await axe.run(document, rules)).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary)}))""",
        RULES,
    )
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_gallery_has_no_violation(page: Page, lang: str) -> None:
    page.goto(f"/?lang={lang}")
    expect(page.get_by_test_id("gallery")).to_be_visible()
    assert violations(page) == []


def test_the_run_page_has_no_violation(page: Page) -> None:
    page.goto("/run/hello-pipe")
    assert violations(page) == []
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    go_to(page, log_line(page, "call.return", "write"))
    assert violations(page) == []


def test_the_step_mode_page_has_no_violation_on_a_phone(phone: Page) -> None:
    run_from_gallery(phone, "hello-pipe", mode="step")
    expect(card(phone, "parent").get_by_test_id("step")).to_be_visible()
    assert violations(phone) == []


def test_the_chinese_run_page_has_no_violation(page: Page) -> None:
    page.goto("/run/forgot-close?lang=zh")
    page.get_by_test_id("run-live").click()
    wait_for_end(page)
    assert violations(page) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_lessons_teacher_page_has_no_violation(page: Page, lang: str) -> None:
    page.goto(f"/run/hello-pipe?lang={lang}")
    page.get_by_test_id("run-lesson").click()
    expect(page.locator('[data-testid="lesson-qr"] svg')).to_have_count(1)
    expect(page.get_by_test_id("lesson-audience")).not_to_be_empty()
    assert violations(page) == []

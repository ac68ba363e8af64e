"""A lesson in two browsers: the teacher's page shows the watch link and its QR code and how
many follow; a student's page that opened the watch link moves when the teacher steps,
detaches on its own move, rejoins with F; both languages; hand on; axe-core finds nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from runpage import shown_seq
from service_client import WAIT_S, Server
from test_accessibility import violations

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def lesson_server(
    start_server: Callable[..., AbstractContextManager[Server]],
) -> Iterator[Server]:
    # A short grace makes the teacher's heartbeat (a quarter of it) and so the class count
    # come often; nothing else differs from the defaults.
    with start_server(lesson_teacher_grace_s=12) as srv:
        yield srv


def open_page(browser: Browser, url: str, errors: list[str], **kw: Any) -> Page:
    context = browser.new_context(viewport=DESKTOP, locale="en-US", base_url=url, **kw)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def same_place(student: Page, teacher: Page, after: int = -1) -> int:
    """Wait until the teacher has moved past `after` and the student shows the same event."""
    end = time.monotonic() + WAIT_S
    while True:
        seq = shown_seq(teacher)
        if seq > after and shown_seq(student) == seq:
            return seq
        assert time.monotonic() < end, (shown_seq(teacher), shown_seq(student))
        time.sleep(0.05)


def test_a_lesson_taught_in_one_browser_and_followed_in_another(
    browser: Browser, lesson_server: Server
) -> None:
    errors: list[str] = []
    teacher = open_page(browser, lesson_server.url, errors)
    teacher.goto("/run/hello-pipe")
    teacher.get_by_test_id("run-lesson").click()
    panel = teacher.get_by_test_id("lesson-teacher")
    expect(panel).to_be_visible()
    expect(teacher.locator('[data-testid="lesson-qr"] svg')).to_have_count(1)
    link = teacher.get_by_test_id("watch-link")
    run_id = teacher.url.split("/runs/")[1].split("?")[0]
    expect(link).to_have_text(f"{lesson_server.url}/runs/{run_id}?follow=1")
    watch_url = link.get_attribute("href") or ""
    assert "control" not in teacher.url and "control" not in watch_url
    expect(teacher.get_by_test_id("step-any")).to_be_visible()

    student = open_page(browser, lesson_server.url, errors)
    student.goto(watch_url)
    bar = student.get_by_test_id("lesson-watcher")
    expect(bar).to_be_visible()
    expect(student.get_by_test_id("stepbar")).to_be_hidden()  # a watch link steps nothing
    expect(teacher.get_by_test_id("lesson-audience")).to_have_text("1 watching, 1 following you")

    teacher.get_by_test_id("step-any").click()
    at = same_place(student, teacher)
    expect(student.get_by_test_id("follow-state")).to_have_text("Following the teacher")

    student.keyboard.press("ArrowLeft")  # a move of its own: it browses alone
    expect(student.get_by_test_id("follow-state")).to_have_text(
        "Browsing on your own — press F to rejoin"
    )
    expect(student.get_by_test_id("rejoin")).to_be_visible()
    own = shown_seq(student)
    expect(teacher.get_by_test_id("lesson-audience")).to_have_text("1 watching, 0 following you")
    at = shown_seq(teacher)
    teacher.get_by_test_id("step-any").click()
    expect(teacher.get_by_test_id("stage")).not_to_have_attribute("data-seq", str(at))
    assert shown_seq(student) == own  # it stays where it went

    student.keyboard.press("f")
    at = same_place(student, teacher, after=at)
    expect(student.get_by_test_id("follow-state")).to_have_text("Following the teacher")
    expect(student.get_by_test_id("rejoin")).to_be_hidden()
    assert "follow=1" in student.url  # a reload follows again

    # In Chinese too, on both pages; and neither page breaks an accessibility rule.
    student.get_by_test_id("lang-zh").click()
    expect(student.get_by_test_id("follow-state")).to_have_text("正在跟随老师")
    student.get_by_test_id("back").click()
    expect(student.get_by_test_id("follow-state")).to_have_text("正在自己浏览——按 F 重新跟随老师")
    assert violations(student) == []
    student.get_by_test_id("rejoin").click()
    same_place(student, teacher)
    teacher.get_by_test_id("lang-zh").click()
    expect(teacher.get_by_test_id("lesson-audience")).to_have_text("1 人在看，1 人跟随你")
    assert violations(teacher) == []
    teacher.get_by_test_id("lang-en").click()

    # Hand on: a new control link for a colleague; this page only watches from now on.
    teacher.get_by_test_id("hand-on").click()
    handed = teacher.get_by_test_id("control-link")
    expect(handed).to_contain_text("#control=")
    expect(teacher.get_by_test_id("step-any")).to_be_hidden()
    expect(teacher.get_by_test_id("lesson-watcher")).to_be_visible()
    colleague = open_page(browser, lesson_server.url, errors)
    control_link = handed.text_content() or ""
    token = control_link.split("#control=")[1]
    # Out of the address bar as the page loads, before any event could move the address on:
    # a page whose socket is held still (no event comes) has it in storage, not in the bar.
    held = open_page(browser, lesson_server.url, errors)
    held.route_web_socket("**/ws/runs/**", lambda ws: None)
    held.goto(control_link)
    expect(held.get_by_test_id("run-page")).to_be_visible()
    assert held.evaluate("location.hash") == ""
    assert token in held.evaluate("JSON.stringify(Object.values(sessionStorage))")
    held.context.close()
    colleague.goto(control_link)
    expect(colleague.get_by_test_id("lesson-teacher")).to_be_visible()
    expect(colleague.get_by_test_id("step-any")).to_be_visible()
    assert "control" not in colleague.url  # the token left the address bar
    colleague.get_by_test_id("step-any").click()
    same_place(student, colleague, after=at)
    for page in (teacher, student, colleague):
        page.context.close()
    assert not errors, errors


def test_a_watcher_past_the_lessons_limit_is_told_in_its_language(
    browser: Browser, start_server: Callable[..., AbstractContextManager[Server]]
) -> None:
    errors: list[str] = []
    with start_server(max_viewers_per_lesson=1) as srv:
        teacher = open_page(browser, srv.url, errors)
        teacher.goto("/run/hello-pipe")
        teacher.get_by_test_id("run-lesson").click()
        expect(teacher.get_by_test_id("watch-link")).to_contain_text("follow=1")
        watch_url = teacher.get_by_test_id("watch-link").get_attribute("href") or ""
        for lang, words in (
            ("en", "This lesson already has 1 watchers, the most one lesson may have"),
            ("zh", "这堂课已有 1 位观看者，已达上限"),
        ):
            student = open_page(browser, srv.url, errors)
            student.goto(f"{watch_url}&lang={lang}")
            alert = student.get_by_test_id("alert")
            expect(alert).to_contain_text(words)
            expect(alert).not_to_contain_text("connection")  # the close after it says no more
            student.context.close()
        teacher.context.close()
    assert not errors, errors

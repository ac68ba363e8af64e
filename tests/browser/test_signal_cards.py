"""Signals on the page: each card's sets from /proc/PID/status and the signal's journey,
captions for the new calls, a stopped process, in both languages."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from runpage import card, go_to, log_line, run_from_gallery, snapshot, wait_for_end
from test_signals_and_steps import step


def signal_line(page: Page, pid: str, nth: int) -> Locator:
    return page.locator(f'[data-testid="log-line"][data-type="signal"][data-pid="{pid}"]').nth(nth)


def test_three_sigusr1_one_pending_bit_and_one_handler_run(page: Page, shots: Path) -> None:
    run_from_gallery(page, "signals-dont-queue")
    wait_for_end(page)
    child = card(page, "child")
    pid = child.get_attribute("data-pid") or ""

    go_to(page, signal_line(page, pid, 0))
    expect(child.get_by_test_id("sig-journey")).to_have_attribute("data-action", "pending")
    expect(child.get_by_test_id("sig-pending")).to_have_attribute("data-signals", "SIGUSR1")
    expect(child.get_by_test_id("sig-blocked")).to_contain_text("SIGUSR1")
    expect(child.get_by_test_id("sig-caught")).to_contain_text("SIGUSR1")

    go_to(page, signal_line(page, pid, 1))
    expect(child.get_by_test_id("sig-journey")).to_have_attribute("data-action", "merged")
    expect(child.get_by_test_id("sig-pending")).to_have_attribute("data-signals", "SIGUSR1")
    expect(page.get_by_test_id("caption")).to_contain_text("already pending")
    snapshot(page, shots / "signals-merged.png")

    go_to(page, signal_line(page, pid, 3))
    expect(child.get_by_test_id("sig-journey")).to_have_attribute("data-action", "handle")
    expect(child.locator('.sig-stage.now[data-stage="outcome"]')).to_contain_text("handler ran")
    expect(child.get_by_test_id("sig-pending")).to_have_count(0)
    expect(page.get_by_test_id("caption")).to_contain_text("mask was: SIGUSR1")

    page.get_by_test_id("lang-zh").click()
    expect(child.locator('.sig-stage.now[data-stage="outcome"]')).to_contain_text("处理函数运行")
    expect(page.get_by_test_id("caption")).to_contain_text("屏蔽字")


def test_a_stopped_process_shows_stopped(page: Page) -> None:
    run_from_gallery(page, "stop-cont")
    wait_for_end(page)
    child = card(page, "child")
    pid = child.get_attribute("data-pid") or ""
    go_to(page, signal_line(page, pid, 0))
    expect(child.get_by_test_id("proc-status")).to_have_attribute("data-status", "stopped")
    expect(child.get_by_test_id("sig-journey")).to_have_attribute("data-action", "stop")
    go_to(page, signal_line(page, pid, 1))
    expect(child.get_by_test_id("proc-status")).not_to_have_attribute("data-status", "stopped")
    expect(page.get_by_test_id("caption")).to_contain_text("go on")


def test_eintr_is_told_in_words(page: Page) -> None:
    run_from_gallery(page, "handler-eintr")
    wait_for_end(page)
    go_to(page, log_line(page, "call.return", "read"))
    expect(page.get_by_test_id("caption")).to_contain_text("EINTR")
    expect(page.get_by_test_id("caption")).to_contain_text("SA_RESTART")


def test_step_mode_lets_the_student_signal_a_sleeping_read(page: Page, shots: Path) -> None:
    run_from_gallery(page, "handler-eintr", mode="step")
    step(page, "parent", "pipe(")
    step(page, "parent", "fork()")
    step(page, "child", "rt_sigaction(SIGUSR1")
    step(page, "child", "read(3")
    child = card(page, "child")
    expect(child.get_by_test_id("proc-status")).to_have_attribute("data-status", "blocked")
    expect(child.get_by_test_id("sig-caught")).to_have_attribute("data-signals", "SIGUSR1")
    step(page, "parent", "clock_nanosleep(")
    step(page, "parent", "kill(")
    # The kill's return, then the handler's run, then the read's -1 EINTR: no step needed.
    expect(log_line(page, "call.return", "read")).to_contain_text("= -1 EINTR")
    go_to(page, page.locator('[data-testid="log-line"][data-type="signal"]').first)
    expect(child.get_by_test_id("sig-journey")).to_have_attribute("data-action", "handle")
    snapshot(page, shots / "step-signal-handled.png")
    page.get_by_test_id("stop").click()

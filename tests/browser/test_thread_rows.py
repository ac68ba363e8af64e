"""A student's two-thread program on the page: each thread a row inside its process's card,
with its own state; the row of the thread whose event is shown marked; each thread's call
on its own line of the student's source; a thread's exit not the process's."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, wait_for_end

PROGRAM = (Path(__file__).resolve().parents[1] / "data" / "c" / "threads_pipe.c").read_text()
LINES = {"read": {14, 22}, "write": {13, 23}}  # the writer's and the reader's own lines


def rows(page: Page) -> list[dict[str, str]]:
    found: list[dict[str, str]] = card(page, "main").evaluate(
        """c => [...c.querySelectorAll('[data-testid="threads"] li')].map(li => ({
            tid: li.dataset.tid, status: li.dataset.status, text: li.textContent,
            current: li.classList.contains("current") ? "yes" : "no"}))"""
    )
    return found


def current_line(page: Page) -> int:
    line = page.locator('[data-testid="src-line"][aria-current="step"]')
    expect(line).to_have_count(1)
    return int(line.get_attribute("data-line") or "0")


def test_two_threads_on_a_pipe_shown_inside_their_process(page: Page) -> None:
    page.goto("/paste")
    page.get_by_test_id("c-source").fill(PROGRAM + f"/* threads {uuid.uuid4().hex} */\n")
    page.get_by_test_id("paste-run").click()
    expect(page.get_by_test_id("run-page")).to_be_visible()
    wait_for_end(page)
    main = card(page, "main")
    pid = main.get_attribute("data-pid")
    starts = page.locator('[data-testid="log-line"][data-type="thread.start"]')
    expect(starts).to_have_count(2)  # thread creation shown, and no invented child process
    expect(page.locator('[data-testid="proc"]')).to_have_count(1)

    go_to(page, starts.nth(1))
    shown = rows(page)
    assert [r["status"] for r in shown] == ["running"] * 3, shown
    assert shown[0]["tid"] == pid  # the main thread first, then each in creation order
    new = shown[2]
    assert new["current"] == "yes" and [r["current"] for r in shown[:2]] == ["no", "no"]
    assert new["text"] == f"thread {new['tid']}: running"

    # The main thread sleeps in pthread_join, a futex strace does not show: its own
    # /proc/TID/syscall and wchan say so, at some event while the others work.
    for nth in range(6):
        go_to(page, log_line(page, "call.enter", "read", nth))
        leader = main.locator(f'[data-testid="threads"] li[data-tid="{pid}"]')
        if leader.get_attribute("data-waiting") == "futex":
            break
    else:
        raise AssertionError("the main thread never showed asleep in futex")
    expect(leader).to_have_text(f"thread {pid}: running · asleep in futex()")

    # Each thread's calls on its own lines of the student's source.
    for call, lines in LINES.items():
        seen = set()
        for nth in range(4):
            go_to(page, log_line(page, "call.enter", call, nth))
            seen.add(current_line(page))
        assert seen == lines, (call, seen)

    # Both threads exit; the process goes on (its write), then exit_group ends it.
    exits = page.locator('[data-testid="log-line"][data-type="thread.exit"]')
    expect(exits).to_have_count(2)
    go_to(page, exits.nth(1))
    shown = rows(page)
    assert [r["status"] for r in shown] == ["running", "exited", "exited"], shown
    expect(main).not_to_have_attribute("data-status", "exited")
    go_to(page, log_line(page, "call.return", "write", -1))
    assert current_line(page) == 35  # write(STDOUT_FILENO, "joined\n", 7);
    page.get_by_test_id("lang-zh").click()
    go_to(page, exits.nth(1))
    expect(main.locator('[data-testid="threads"] li').nth(1)).to_contain_text("已退出")
    go_to(page, log_line(page, "call.enter", "read", nth))
    expect(leader).to_contain_text("在 futex() 中睡眠")

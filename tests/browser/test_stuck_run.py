"""A run that hits its time limit says who is stuck and why, in the page's language."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import card, run_from_gallery, snapshot, wait_for_end


def test_forgot_close_says_the_child_holds_its_own_write_end(page: Page, shots: Path) -> None:
    run_from_gallery(page, "forgot-close")
    wait_for_end(page)
    page.get_by_test_id("last").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-type", "run.end")

    parent_pid = card(page, "parent").get_attribute("data-pid")
    child_pid = card(page, "child").get_attribute("data-pid")
    lines = page.get_by_test_id("caption").get_by_test_id("stuck")
    # One line a blocked process: the parent in wait4, the child in its read.
    expect(lines).to_have_count(2)
    waiting = lines.filter(has_text=f"Parent ({parent_pid}) is blocked in wait4")
    expect(waiting).to_contain_text(f"waits for child ({child_pid}) to end")
    reading = lines.filter(has_text=f"Child ({child_pid}) is blocked in read")
    expect(reading).to_contain_text(
        "a write-end open file is still referenced by its own fd 4: it can never see EOF"
    )
    # The server's English detail gives way to the page's own words.
    expect(page.get_by_test_id("caption")).not_to_contain_text("The server says")

    page.get_by_test_id("lang-zh").click()
    reading_zh = lines.filter(has_text=f"子进程（{child_pid}）阻塞在 read")
    expect(reading_zh).to_contain_text("它自己的 fd 4 仍引用着写端打开文件：它永远等不到 EOF")
    expect(lines.filter(has_text="阻塞在 wait4")).to_contain_text(
        f"它在等子进程（{child_pid}）结束"
    )
    expect(page.get_by_test_id("caption")).not_to_contain_text("blocked")
    snapshot(page, shots / "forgot-close-stuck-zh.png")

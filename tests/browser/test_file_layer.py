"""The kernel's three layers on the page: fd rows point to open files, files to the pipe."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, run_from_gallery, snapshot, wait_for_end


def rows_file(page: Page, role: str, fd: int) -> str:
    row = card(page, role).locator(f'[data-testid="fd-row"][data-fd="{fd}"]')
    return row.get_attribute("data-file") or ""


def check_after_fork(page: Page) -> None:
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    go_to(page, log_line(page, "proc.start", nth=1))  # the child exists: both hold both ends
    for fd, end in ((3, "read"), (4, "write")):
        files = page.locator(f'[data-testid="file"][data-end="{end}"]')
        expect(files).to_have_count(1)  # one open file per end ...
        expect(files).to_have_attribute("data-refs", "2")  # ... that two fds point to
        expect(files.get_by_test_id("file-refs")).to_have_text("refs: 2")
        file_id = files.get_attribute("data-file")
        assert file_id and rows_file(page, "parent", fd) == rows_file(page, "child", fd) == file_id
        # The lines: each fd row to that file, and one line on from the file to the pipe's end.
        to_file = page.locator(f'[data-testid="wire"][data-file="{file_id}"]')
        expect(to_file).to_have_count(2)
        expect(page.locator(f'[data-testid="file-wire"][data-file="{file_id}"]')).to_have_count(1)
        expect(
            card(page, "child").locator(f'[data-fd="{fd}"] [data-testid="fd-file"]')
        ).to_have_text(f"→ {file_id}")


def test_after_fork_two_fd_rows_point_to_one_open_file_per_end(page: Page, shots: Path) -> None:
    check_after_fork(page)
    box = page.get_by_test_id("files").bounding_box()
    assert box and box["width"] <= 1280
    snapshot(page, shots / "hello-pipe-open-files.png")

    # The parent's close of its fd 4 takes one reference; its last close releases the file.
    go_to(page, log_line(page, "call.return", "close", nth=2))
    expect(page.get_by_test_id("caption")).to_contain_text("the last reference to open file")
    expect(page.get_by_test_id("file-gone")).to_have_count(1)
    page.get_by_test_id("lang-zh").click()
    expect(page.get_by_test_id("caption")).to_contain_text("最后一个引用")


def test_the_file_layer_fits_a_phone(phone: Page, shots: Path) -> None:
    check_after_fork(phone)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width} px"
    for file in phone.get_by_test_id("file").all():
        box = file.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    phone.get_by_test_id("files").scroll_into_view_if_needed()
    phone.screenshot(path=shots / "hello-pipe-open-files-phone.png")

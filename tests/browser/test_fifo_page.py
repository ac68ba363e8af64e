"""The FIFO chapter on the page: the gallery's chapters, a FIFO drawn with its path, a
blocked open, ENXIO, an unlinked FIFO, and every fd row's file type, in both languages."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, run_from_gallery, snapshot, wait_for_end

from app.i18n import strings
from app.scenarios.catalog import CHAPTERS, all_scenarios

TEXT = strings()


def test_the_gallery_groups_scenarios_by_the_notes_chapters(page: Page) -> None:
    page.goto("/")
    used = [c for c in CHAPTERS if any(s.chapter == c for s in all_scenarios())]
    chapters = page.get_by_test_id("chapter")
    expect(chapters).to_have_count(len(used))
    shown = [chapters.nth(i).get_attribute("data-chapter") for i in range(len(used))]
    assert shown == used  # the note's order
    for i, chapter in enumerate(used):
        section = chapters.nth(i)
        expect(section.get_by_test_id("chapter-title")).to_have_text(
            TEXT[f"chapter.{chapter}"]["en"]
        )
        every = {s.name for s in all_scenarios()}
        twins = {f"trace-{name}" for name in every if f"trace-{name}" in every}  # on a card
        names = [s.name for s in all_scenarios() if s.chapter == chapter and s.name not in twins]
        expect(section.get_by_test_id("scenario")).to_have_count(len(names))
        for name in names:
            expect(section.locator(f'[data-scenario="{name}"]')).to_have_count(1)
    fifo = page.locator('[data-testid="chapter"][data-chapter="fifo"]')
    page.get_by_test_id("lang-zh").click()
    expect(fifo.get_by_test_id("chapter-title")).to_have_text("命名管道 FIFO")
    pipes = page.locator('[data-testid="chapter"][data-chapter="pipe"]')
    expect(pipes.get_by_test_id("chapter-title")).to_have_text("管道")
    expect(fifo.locator('[data-scenario="fifo-rendezvous"] h3')).to_have_text(
        "命名管道 FIFO：凭名字会合"
    )


def test_a_blocked_open_then_a_fifo_drawn_with_its_path(page: Page, shots: Path) -> None:
    run_from_gallery(page, "fifo-rendezvous")
    wait_for_end(page)
    go_to(page, log_line(page, "call.block", "open"))
    reader = card(page, "reader")
    status = reader.get_by_test_id("proc-status")
    expect(status).to_have_attribute("data-status", "blocked")
    expect(status).to_contain_text('blocked on open of "myfifo"')
    expect(page.get_by_test_id("caption")).to_contain_text("wait_for_partner")
    expect(reader.locator('[data-testid="fd-row"][data-kind="fifo"]')).to_have_count(0)
    expect(page.locator('[data-testid="pipe"]')).to_have_count(0)  # no pipe until both open

    go_to(page, log_line(page, "call.return", "open", nth=1))
    fifo = page.locator('[data-testid="pipe"][data-kind="fifo"]')
    expect(fifo).to_have_count(1)
    expect(fifo.get_by_test_id("fifo-path")).to_have_text("/tmp/myfifo")
    row = reader.locator('[data-testid="fd-row"][data-fd="3"]')
    expect(row).to_have_attribute("data-kind", "fifo")
    expect(row.get_by_test_id("fd-type")).to_have_text("p")
    expect(row.get_by_test_id("fd-type")).to_have_attribute(
        "title", "File type (the first letter of ls -l): pipe (FIFO)"
    )
    tty = reader.locator('[data-testid="fd-row"][data-fd="0"] [data-testid="fd-type"]')
    expect(tty).to_have_text("c")
    expect(page.get_by_test_id("caption")).to_contain_text(
        'opened "myfifo" as the FIFO\'s read end'
    )
    snapshot(page, shots / "fifo-rendezvous.png")
    page.get_by_test_id("lang-zh").click()
    expect(tty).to_have_attribute("title", "文件类型（即 ls 长格式输出的第一个字母）：字符设备")
    expect(row.get_by_test_id("fd-type")).to_have_attribute(
        "title", "文件类型（即 ls 长格式输出的第一个字母）：管道"
    )
    expect(fifo.locator("h3")).to_contain_text("命名管道 FIFO")


def test_enxio_and_an_unlinked_fifo_on_the_page(page: Page) -> None:
    run_from_gallery(page, "fifo-enxio")
    wait_for_end(page)
    go_to(page, log_line(page, "call.return", "open"))
    expect(page.get_by_test_id("caption")).to_contain_text("-1 ENXIO")
    go_to(page, log_line(page, "call.return", "unlink"))
    fifo = page.locator('[data-testid="pipe"][data-kind="fifo"]')
    expect(fifo.get_by_test_id("fifo-deleted")).to_be_visible()
    expect(fifo.get_by_test_id("fifo-path")).to_have_class("fifo-path deleted")
    page.get_by_test_id("lang-zh").click()
    expect(fifo.get_by_test_id("fifo-deleted")).to_have_text("已删除名字")


def test_step_by_step_the_writer_opens_first_and_waits(page: Page) -> None:
    run_from_gallery(page, "fifo-rendezvous", mode="step")
    step(page, "launcher", "mkfifo(")
    step(page, "launcher", "fork()")
    step(page, "launcher", "fork()")
    step(page, "writer", 'open("myfifo", O_WRONLY)')
    writer = card(page, "writer")
    expect(writer.get_by_test_id("proc-status")).to_have_attribute("data-status", "blocked")
    expect(writer.get_by_test_id("step")).to_have_count(0)  # asleep: nothing to let go
    step(page, "reader", 'open("myfifo", O_RDONLY)')
    expect(writer.get_by_test_id("proc-status")).to_have_attribute("data-status", "running")
    expect(page.locator('[data-testid="pipe"][data-kind="fifo"]')).to_have_count(1)
    page.get_by_test_id("stop").click()


def step(page: Page, role: str, call: str) -> None:
    """Press a process's Step button once it offers this call; wait for what it did."""
    who = card(page, role)
    expect(who.get_by_test_id("proc-next")).to_contain_text(call)
    lines = page.locator(f'[data-testid="log-line"][data-pid="{who.get_attribute("data-pid")}"]')
    before = lines.count()
    who.get_by_test_id("step").click()
    expect(lines).not_to_have_count(before)

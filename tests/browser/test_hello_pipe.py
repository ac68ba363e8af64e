"""The seed note's demo, as a student meets it: open the gallery, run hello-pipe, walk it."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import (
    card,
    fd_rows,
    go_to,
    log_line,
    pipe_bytes,
    pipe_ends,
    run_from_gallery,
    shown_seq,
    snapshot,
    wait_for_end,
)


def test_hello_pipe_fd_tables_and_buffer_at_each_key_step(page: Page, shots: Path) -> None:
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)

    # After fork: the child's fd table is a copy, so both cards hold both ends of one pipe.
    go_to(page, log_line(page, "proc.start", nth=1))
    parent, child = pipe_ends(page, "parent"), pipe_ends(page, "child")
    assert parent == child == {3: "read", 4: "write"}
    pipes = {r["pipe"] for role in ("parent", "child") for r in fd_rows(page, role) if r["pipe"]}
    assert len(pipes) == 1
    # Two fds per end, but one open file each: the kernel counts files.
    expect(page.get_by_test_id("pipe-readers")).to_have_attribute("data-count", "1")
    expect(page.get_by_test_id("pipe-readers")).to_have_attribute("data-fds", "2")
    expect(page.get_by_test_id("pipe-writers")).to_have_attribute("data-count", "1")
    expect(page.get_by_test_id("pipe-writers")).to_have_attribute("data-fds", "2")
    # Four lines from fd rows to the pipe ends: each fd 3 to the read end, each fd 4 to the write.
    expect(page.locator('[data-testid="wire"][data-end="read"]')).to_have_count(2)
    expect(page.locator('[data-testid="wire"][data-end="write"]')).to_have_count(2)
    snapshot(page, shots / "hello-pipe-after-fork.png")

    # After the write: 11 bytes queued, in one page slot of the ring.
    write = go_to(page, log_line(page, "call.return", "write"))
    expect(pipe_bytes(page)).to_have_attribute("data-bytes", "11")
    expect(pipe_bytes(page)).to_contain_text("11 / 65536")
    used = page.locator('[data-testid="ring-slot"]:not([data-len="0"])')
    expect(used).to_have_count(1)
    expect(used).to_have_attribute("data-len", "11")
    expect(page.get_by_test_id("ring")).to_have_attribute("data-used", "1")
    expect(card(page, "parent").get_by_test_id("fx-data")).to_have_text('"hello pipe\\n"')
    expect(page.get_by_test_id("caption")).to_contain_text("wrote 11 bytes")
    # The log line reads as strace prints it, and the C source marks the write's line.
    expect(log_line(page, "call.return", "write")).to_contain_text(
        re.compile(r'\[pid \d+\] write\(4, "hello pipe\\n", 11\) = 11')
    )
    expect(page.locator(".src-line.current")).to_contain_text("write(fd[1], str")
    snapshot(page, shots / "hello-pipe-after-write.png")
    after_write = frame(page)

    # The read: the child takes the 11 bytes; the buffer is empty again.
    read = go_to(page, log_line(page, "call.return", "read"))
    expect(card(page, "child").get_by_test_id("fx-data")).to_have_text('"hello pipe\\n"')
    expect(pipe_bytes(page)).to_have_attribute("data-bytes", "0")

    # Step back one event: the read has not happened yet, the bytes are in the buffer again.
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(read - 1))
    expect(pipe_bytes(page)).to_have_attribute("data-bytes", "11")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(read))
    expect(pipe_bytes(page)).to_have_attribute("data-bytes", "0")

    # At the end: the child printed what it read; everyone exited with 0.
    page.get_by_test_id("last").click()
    expect(page.get_by_test_id("terminal")).to_have_text("hello pipe\n")
    for role in ("parent", "child"):
        expect(card(page, role).get_by_test_id("proc-status")).to_have_attribute(
            "data-status", "exited"
        )
        expect(card(page, role).get_by_test_id("proc-status")).to_contain_text("exited with code 0")
    snapshot(page, shots / "hello-pipe-end.png")

    # Going back is exact: the write's frame drawn again from its own event is the same.
    page.get_by_test_id("slider").fill(str(write))
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(write))
    assert frame(page) == after_write
    assert shown_seq(page) == write


def test_closing_an_end_fades_its_row_and_counts_drop(page: Page) -> None:
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    go_to(page, log_line(page, "call.return", "close"))  # the parent closes fd 3
    closed = card(page, "parent").get_by_test_id("fd-row-closed")
    expect(closed).to_have_attribute("data-fd", "3")
    expect(closed).to_contain_text("closed")
    assert 3 not in pipe_ends(page, "parent")
    expect(page.locator('[data-testid="wire"][data-fd="3"].closed')).to_have_count(1)
    expect(page.get_by_test_id("pipe-readers")).to_have_attribute("data-count", "1")


def test_keyboard_and_play_move_through_the_events(page: Page) -> None:
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    page.get_by_test_id("first").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", "0")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", "2")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", "1")
    page.keyboard.press("End")
    last = int(log_line(page, "run.end").get_attribute("data-seq") or "0")
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(last))
    # Play from the start, at the fastest speed, runs to the last event by itself.
    page.get_by_test_id("speed").select_option("60")
    page.keyboard.press("Home")
    page.keyboard.press(" ")
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(last))
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "false")


def frame(page: Page) -> str:
    """The drawn world: process cards and pipes, as HTML."""
    procs = page.get_by_test_id("procs").inner_html()
    return procs + page.get_by_test_id("pipes").inner_html()

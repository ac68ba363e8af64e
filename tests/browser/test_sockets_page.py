"""Sockets on the page: a pair as two queues with their peer link, a message each or one
stream, and a passed fd drawn in flight between them; in English and Chinese."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import go_to, log_line, run_from_gallery, snapshot, wait_for_end


def test_a_pass_an_fd_run_draws_the_file_in_flight(page: Page, shots: Path) -> None:
    run_from_gallery(page, "pass-an-fd")
    wait_for_end(page)
    go_to(page, log_line(page, "call.return", "socketpair"))
    expect(page.get_by_test_id("socket-pair")).to_have_count(1)
    expect(page.get_by_test_id("socket-end")).to_have_count(2)
    expect(page.get_by_test_id("caption")).to_contain_text("socket pair")
    go_to(page, log_line(page, "call.return", "sendmsg"))
    flying = page.get_by_test_id("socket-in-flight")
    expect(flying).to_have_count(1)
    expect(flying).to_contain_text("pipe:[")
    expect(page.get_by_test_id("caption")).to_contain_text("in flight")
    snapshot(page, shots / "pass-an-fd-in-flight.png")
    go_to(page, log_line(page, "call.return", "recvmsg"))
    expect(page.get_by_test_id("socket-in-flight")).to_have_count(0)
    expect(page.get_by_test_id("caption")).to_contain_text("received a passed file")


def test_datagrams_are_drawn_one_message_each_in_chinese(page: Page) -> None:
    # What the gallery's form asks for, its type set to datagram.
    page.goto("/run/stream-vs-datagram?type=datagram&autorun=1&mode=live&lang=zh")
    wait_for_end(page)
    go_to(page, log_line(page, "call.return", "recv"))
    expect(page.get_by_test_id("socket-message")).to_have_count(2)  # 7 and 6 still queued
    expect(page.get_by_test_id("caption")).to_contain_text("接收了 6 字节")
    expect(page.get_by_test_id("sockets")).to_contain_text("数据报")

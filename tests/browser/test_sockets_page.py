"""Sockets on the page: a pair as two queues with their peer link, a message each or one
stream, and a passed fd drawn in flight between them; in English and Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, run_from_gallery, snapshot, wait_for_end


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
    # Once the parent closes its read end, no fd of the pipe is open anywhere: the page says
    # why its count is unknown, rather than a bare "?".
    run_id = page.url.split("/runs/")[1].split("?")[0]
    unasked = page.evaluate(
        """id => fetch(`/api/runs/${id}/events?limit=5000`).then(r => r.json()).then(evs =>
            evs.find(e => e.state.pipes.some(p => p.bytes === null)).seq)""",
        run_id,
    )
    page.get_by_test_id("slider").fill(str(unasked))
    expect(page.get_by_test_id("pipe-bytes")).to_contain_text("? /")
    expect(page.locator('[data-testid="pipe"] .pipe-state')).to_contain_text("FIONREAD needs an fd")
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


def test_step_mode_accept_first_blocks_until_a_client_connects(page: Page) -> None:
    run_from_gallery(page, "listen-accept", mode="step")
    for call in ("socket", "bind", "listen", "fork", "clock_nanosleep"):
        step(page, "server", call)
    step(page, "server", "accept")  # the student lets the server accept before any client
    server = card(page, "server")
    expect(server.get_by_test_id("proc-status")).to_have_attribute("data-status", "blocked")
    expect(page.get_by_test_id("caption")).to_contain_text("blocked in accept")
    backlog = page.get_by_test_id("socket-backlog")
    expect(backlog).to_contain_text("0 of 5")
    for call in ("close", "socket", "connect"):
        step(page, "client", call)
    # The connect woke the accept: the server holds a new fd, connected to the client.
    expect(server.get_by_test_id("proc-status")).not_to_have_attribute("data-status", "blocked")
    expect(page.get_by_test_id("socket-pair")).to_have_count(1)
    page.get_by_test_id("stop").click()
    expect(log_line(page, "run.end")).to_contain_text("killed")


def step(page: Page, role: str, call: str) -> None:
    """Press a process's Step button once it offers this call; wait for what follows."""
    expect(card(page, role).get_by_test_id("proc-next")).to_contain_text(call)
    pid = card(page, role).get_attribute("data-pid") or ""
    lines = page.locator(f'[data-testid="log-line"][data-pid="{pid}"]')
    before = lines.count()
    card(page, role).get_by_test_id("step").click()
    expect(lines).not_to_have_count(before)


def test_a_sender_blocked_on_a_full_socket_names_the_socket(page: Page) -> None:
    run_from_gallery(page, "socket-full")
    wait_for_end(page)
    go_to(page, log_line(page, "call.block", "send"))
    status = card(page, "sender").get_by_test_id("proc-status")
    expect(status).to_contain_text("blocked on send of fd 3 (socket:[")
    # Its next call, shown before the block, keeps its buffer short: strace's 32 bytes.
    enter = int(log_line(page, "call.enter", "send").get_attribute("data-seq") or "0")
    page.get_by_test_id("slider").fill(str(enter - 1))
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(enter - 1))
    next_call = card(page, "sender").get_by_test_id("proc-next")
    expect(next_call).to_contain_text('send(3, "xxxx')
    expect(next_call).not_to_contain_text("x" * 40)


def test_a_closed_peers_directions_are_told_in_chinese(page: Page) -> None:
    page.goto("/run/stream-vs-datagram?autorun=1&mode=live&lang=zh")
    wait_for_end(page)
    run_id = page.url.split("/runs/")[1].split("?")[0]
    closed = page.evaluate(
        """id => fetch(`/api/runs/${id}/events?limit=5000`).then(r => r.json()).then(evs =>
            evs.find(e => e.state.sockets.some(s => s.shutdown.length > 0)).seq)""",
        run_id,
    )
    page.get_by_test_id("slider").fill(str(closed))
    state = page.locator('[data-testid="sockets"] .sock-state', has_text="已关闭方向")
    expect(state.first).to_contain_text(re.compile("已关闭方向：(读|写|读和写)$"))


def test_a_pipe_whose_holder_is_dying_says_the_kernel_did_not_answer(page: Page) -> None:
    """sigpipe: the writer's write fails with EPIPE and SIGPIPE is on its way; the writer
    still holds its fd, so the page must not say that nobody does."""
    run_from_gallery(page, "sigpipe")
    wait_for_end(page)
    run_id = page.url.split("/runs/")[1].split("?")[0]
    unknown = page.evaluate(
        """id => fetch(`/api/runs/${id}/events?limit=5000`).then(r => r.json()).then(evs =>
            (evs.find(e => e.state.pipes.some(p => p.bytes === null)) ?? {seq: -1}).seq)""",
        run_id,
    )
    if unknown < 0:
        return  # the kernel answered at every step this time: nothing to tell
    page.get_by_test_id("slider").fill(str(unknown))
    state = page.locator('[data-testid="pipe"] .pipe-state')
    expect(state).to_contain_text("did not answer FIONREAD")
    expect(state).not_to_contain_text("No process holds")

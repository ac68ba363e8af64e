"""Where the rules of pipes show: SIGPIPE on a write with no reader, a read that blocks
because the student let the reader go first, EOF."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, pipe_bytes, run_from_gallery, snapshot, wait_for_end


def test_sigpipe_kills_the_writer_and_says_so(page: Page, shots: Path) -> None:
    run_from_gallery(page, "sigpipe")
    wait_for_end(page)
    parent = card(page, "parent")

    go_to(page, log_line(page, "call.return", "write"))
    expect(parent.get_by_test_id("proc-fx")).to_have_attribute("data-fx", "epipe")
    expect(parent.get_by_test_id("proc-fx")).to_contain_text("EPIPE")
    expect(page.get_by_test_id("pipe-readers")).to_have_attribute("data-count", "0")
    # ...and at the pipe's end where it happened.
    badge = page.locator('.port[data-end="write"] [data-testid="port-badge"]')
    expect(badge).to_have_text("EPIPE")
    expect(log_line(page, "call.return", "write")).to_contain_text("= -1 EPIPE (Broken pipe)")

    go_to(page, log_line(page, "signal"))
    expect(parent.get_by_test_id("proc-fx")).to_have_attribute("data-fx", "sigpipe")
    expect(page.get_by_test_id("caption")).to_contain_text("SIGPIPE")

    page.get_by_test_id("last").click()
    status = parent.get_by_test_id("proc-status")
    expect(status).to_have_attribute("data-status", "killed")
    expect(status).to_contain_text("killed by SIGPIPE")
    expect(card(page, "child").get_by_test_id("proc-status")).to_have_attribute(
        "data-status", "exited"
    )
    snapshot(page, shots / "sigpipe-end.png")


def test_eof_when_the_last_write_end_closes(page: Page) -> None:
    run_from_gallery(page, "eof")
    wait_for_end(page)
    reads = page.locator('[data-testid="log-line"][data-type="call.return"][data-call="read"]')
    go_to(page, reads.last)
    child = card(page, "child")
    expect(child.get_by_test_id("proc-fx")).to_have_attribute("data-fx", "eof")
    expect(child.get_by_test_id("proc-fx")).to_contain_text("EOF: read returned 0")
    expect(page.get_by_test_id("pipe-writers")).to_have_attribute("data-count", "0")
    expect(page.locator('.port[data-end="read"] [data-testid="port-badge"]')).to_have_text("EOF")


def test_step_mode_reader_first_blocks_until_the_parent_writes(page: Page, shots: Path) -> None:
    run_from_gallery(page, "hello-pipe", mode="step")
    expect(page.get_by_test_id("mode-note")).to_contain_text("Step by step")
    step(page, "parent", "pipe(…)")
    step(page, "parent", "fork()")
    # Now the student chooses: the child goes first, all the way into its read.
    step(page, "child", "close(4)")
    step(page, "child", "read(3, …, 1024)")
    child = card(page, "child")
    status = child.get_by_test_id("proc-status")
    expect(status).to_have_attribute("data-status", "blocked")
    expect(status).to_contain_text("blocked on read of fd 3")
    expect(child.get_by_test_id("step")).to_have_count(0)  # nothing to let go: it sleeps
    expect(pipe_bytes(page)).to_have_attribute("data-bytes", "0")
    snapshot(page, shots / "step-reader-blocked.png")

    # The parent closes its read end and writes: the sleeping read wakes with the bytes.
    step(page, "parent", "close(3)")
    step(page, "parent", 'write(4, "hello pipe\\n", 11)')
    expect(child.get_by_test_id("fx-data")).to_have_text('"hello pipe\\n"')
    expect(status).to_have_attribute("data-status", "running")
    expect(page.get_by_test_id("stop")).to_be_visible()
    page.get_by_test_id("stop").click()
    expect(log_line(page, "run.end")).to_contain_text("killed")


def step(page: Page, role: str, call: str) -> None:
    """Press a process's Step button, once it offers this call; wait for its return."""
    button = card(page, role).get_by_test_id("step")
    expect(card(page, role).get_by_test_id("proc-next")).to_contain_text(call)
    returns = page.locator(f'[data-testid="log-line"][data-pid="{pid(page, role)}"]')
    before = returns.count()
    button.click()
    expect(returns).not_to_have_count(before)


def pid(page: Page, role: str) -> str:
    return card(page, role).get_attribute("data-pid") or ""

"""`ls | wc -l` as a course shows it: after execve, ls's listing flies into the pipe and out
to wc, and wc's count to the terminal."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from runpage import card, go_to, pipe_ends, run_from_gallery, snapshot, wait_for_end


def line_of(page: Page, role_pid: str, call: str, nth: int = 0) -> Locator:
    selector = f'[data-testid="log-line"][data-type="call.return"][data-call="{call}"]'
    selector += f'[data-pid="{role_pid}"]'
    return page.locator(selector).nth(nth)


def step_into(page: Page, line: Locator) -> None:
    """Stand on the event before `line`, then step forward by one, as a student does."""
    seq = int(line.get_attribute("data-seq") or "0")
    go_to(page, page.locator(f'[data-testid="log-line"][data-seq="{seq - 1}"]'))
    page.get_by_test_id("forward").click()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))


def test_the_listing_flies_from_ls_through_the_pipe_to_wc(page: Page, shots: Path) -> None:
    run_from_gallery(page, "shell-pipeline")
    wait_for_end(page)
    ls = card(page, "ls").get_attribute("data-pid") or ""
    wc = card(page, "wc").get_attribute("data-pid") or ""

    # ls's write of its listing into the pipe: the bytes travel from its fd 1 to the ring.
    write = line_of(page, ls, "write")
    step_into(page, write)
    flight = page.locator(".flights .flight.write")
    expect(flight).to_contain_text("hello.c")
    expect(card(page, "ls").get_by_test_id("fx-data")).to_contain_text("notes.md")
    assert pipe_ends(page, "ls") == {1: "write"}
    snapshot(page, shots / "shell-pipeline-ls-writes.png")

    # wc's read of the same bytes out of the pipe, into its fd 0.
    step_into(page, line_of(page, wc, "read"))
    expect(page.locator(".flights .flight.read")).to_contain_text("hello.c")
    assert pipe_ends(page, "wc") == {0: "read"}

    # wc's count, to the terminal.
    step_into(page, line_of(page, wc, "write"))
    expect(page.locator(".flights .flight.write")).to_contain_text("3")
    page.get_by_test_id("last").click()
    expect(page.get_by_test_id("terminal")).to_contain_text("3")


def test_step_by_step_wc_reads_first_and_sleeps_until_ls_writes(page: Page) -> None:
    """The student lets wc's program go into its read before ls has written: it sleeps in the
    kernel; ls's write, one step later, wakes it with the listing."""
    run_from_gallery(page, "shell-pipeline", mode="step")
    step(page, "shell", "pipe(")
    step(page, "shell", "fork()")
    step(page, "shell", "fork()")
    for call in ("dup2(4, 1)", "close(3)", "close(4)", "execve("):
        step(page, "ls", call)
    for call in ("dup2(3, 0)", "close(3)", "close(4)", "execve("):
        step(page, "wc", call)
    step(page, "wc", "read(0, …, ")
    wc = card(page, "wc")
    expect(wc.get_by_test_id("proc-status")).to_have_attribute("data-status", "blocked")
    expect(wc.get_by_test_id("step")).to_have_count(0)  # it sleeps: nothing to let go
    step(page, "ls", "ioctl(")
    step(page, "ls", "write(1, ")
    expect(wc.get_by_test_id("proc-status")).to_have_attribute("data-status", "running")
    expect(wc.get_by_test_id("fx-data")).to_contain_text("hello.c")
    page.get_by_test_id("stop").click()


def step(page: Page, role: str, call: str) -> None:
    """Press a process's Step button once it offers this call; wait for what it did."""
    who = card(page, role)
    expect(who.get_by_test_id("proc-next")).to_contain_text(call)
    lines = page.locator(f'[data-testid="log-line"][data-pid="{who.get_attribute("data-pid")}"]')
    before = lines.count()
    who.get_by_test_id("step").click()
    expect(lines).not_to_have_count(before)

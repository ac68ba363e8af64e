"""Shared memory on the page: a mapping drawn in kernel space with its bytes and both
processes' ranges; a private page drawn as one until copy on write splits it; a lost update
a student makes by stepping, and the futex sleep the lock brings."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, run_from_gallery, snapshot, wait_for_end
from test_signals_and_steps import step


def mapping(page: Page, name: str) -> object:
    return page.locator(f'[data-testid="mapping"][data-name="{name}"]')


def test_a_private_page_is_one_until_the_child_writes_then_two(page: Page, shots: Path) -> None:
    run_from_gallery(page, "fork-cow-vs-shared")
    wait_for_end(page)

    go_to(page, log_line(page, "call.return", "fork"))
    private, shared = mapping(page, "private"), mapping(page, "shared")
    expect(private).to_have_attribute("data-split", "false")
    expect(private.get_by_test_id("mapping-page")).to_have_count(1)
    expect(private.get_by_test_id("mapping-view")).to_have_count(2)  # parent and child
    expect(private.get_by_test_id("mapping-cow")).to_contain_text("One page for both")
    expect(shared.get_by_test_id("mapping-view")).to_have_count(2)
    expect(shared).to_contain_text("/dev/zero (deleted)")
    # The child has not touched the shared page yet: no frame at all, not a hidden one.
    child_view = shared.locator('[data-testid="mapping-view"]').nth(1)
    expect(child_view).to_contain_text("resident 0")
    expect(child_view).to_contain_text("no frame yet")

    go_to(page, log_line(page, "call.return", "store", nth=2))  # the child's store to shared
    expect(shared.get_by_test_id("mapping-bytes")).to_have_attribute("data-bytes", "43" + "00" * 63)
    expect(shared.get_by_test_id("byte-changed")).to_have_text("43")
    expect(page.get_by_test_id("caption")).to_contain_text("see the new bytes at once")

    go_to(page, log_line(page, "call.return", "store", nth=3))  # the child's store to private
    expect(private).to_have_attribute("data-split", "true")
    pages = private.get_by_test_id("mapping-page")
    expect(pages).to_have_count(2)
    dumps = private.get_by_test_id("mapping-bytes")
    expect(dumps.nth(0)).to_have_attribute("data-bytes", "50" + "00" * 63)  # the parent's 'P'
    expect(dumps.nth(1)).to_have_attribute("data-bytes", "43" + "00" * 63)  # the child's 'C'
    expect(page.get_by_test_id("caption")).to_contain_text("its own copy")
    expect(log_line(page, "call.return", "store", nth=3)).to_contain_text("store(private+0, 43")
    snapshot(page, shots / "fork-cow-split.png")
    page.get_by_test_id("mappings").screenshot(path=shots / "fork-cow-split-mappings.png")

    page.get_by_test_id("lang-zh").click()
    expect(page.get_by_test_id("caption")).to_contain_text("写时复制")
    expect(private.get_by_test_id("mapping-split")).to_contain_text("分裂")


def test_stepping_two_loads_first_loses_an_update_and_the_lock_sleeps(page: Page) -> None:
    run_from_gallery(page, "shm-lost-update", mode="step")
    step(page, "parent", "mmap(")
    step(page, "parent", "fork()")
    step(page, "parent", "load(s+0, 4)")
    step(page, "child", "load(s+0, 4)")  # before the parent stores: both have 0
    step(page, "parent", "store(s+0, v + 1)")
    step(page, "child", "store(s+0, v + 1)")
    s = mapping(page, "s")
    expect(s.get_by_test_id("mapping-bytes")).to_have_attribute("data-bytes", "01" + "00" * 63)
    expect(page.get_by_test_id("caption")).to_contain_text("stored 01 00 00 00")
    page.get_by_test_id("stop").click()
    expect(log_line(page, "run.end")).to_contain_text("killed")


def test_with_the_lock_a_waiter_shows_asleep_on_the_semaphore(page: Page) -> None:
    page.goto("/run/shm-lost-update")
    page.locator('[data-testid="run-form"] input[name="lock"]').check()
    page.get_by_test_id("run-live").click()
    wait_for_end(page)
    go_to(page, log_line(page, "call.block", "sem_wait"))
    expect(page.get_by_test_id("mapping-waiter")).to_contain_text("futex")
    blocked = page.locator(
        '[data-testid="proc"] [data-testid="proc-status"][data-status="blocked"]'
    )
    expect(blocked).to_have_count(1)
    expect(card(page, "child").get_by_test_id("proc-status")).to_have_attribute(
        "data-status", "blocked"
    )

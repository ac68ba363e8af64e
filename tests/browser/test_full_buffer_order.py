"""full-buffer, stepped through as a student replays it: the writer's card never says it is
asleep in write unless the ring on the page is full, and a write the kernel woke is shown
running from the read that woke it, never blocked while its return is on its way."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect
from runpage import card, run_from_gallery, wait_for_end


def shown(page: Page) -> dict[str, Any]:
    """What the stage shows now: its seq, the writer's status, the ring's fill."""
    data: dict[str, Any] = page.evaluate(
        """() => {
            const ring = document.querySelector('[data-testid="ring"]');
            const writer = document.querySelector('[data-testid="proc"][data-role="writer"]');
            const status = writer?.querySelector('[data-testid="proc-status"]');
            return {
                seq: Number(document.querySelector('[data-testid="stage"]').dataset.seq),
                status: status?.dataset.status ?? null,
                text: status?.textContent ?? "",
                used: ring ? Number(ring.dataset.used) : null,
                nslots: ring ? Number(ring.dataset.nslots) : null,
            };
        }"""
    )
    return data


def test_the_writer_is_never_shown_asleep_once_the_kernel_woke_it(page: Page) -> None:
    run_from_gallery(page, "full-buffer")
    wait_for_end(page)
    lines = page.locator('[data-testid="log-line"]')
    log = lines.evaluate_all(
        """ls => ls.map(l => ({seq: Number(l.dataset.seq), type: l.dataset.type,
                               pid: l.dataset.pid, call: l.dataset.call,
                               text: l.textContent}))"""
    )
    writer_pid = card(page, "writer").get_attribute("data-pid")
    resumed = [
        line["seq"]
        for line in log
        if line["type"] == "call.return"
        and line["pid"] == writer_pid
        and line["call"] == "write"
        and "resumed" in line["text"]
    ]
    assert resumed, "the writer's write never slept: the scenario lost its lesson"

    page.keyboard.press("Home")
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", "0")
    steps = []
    for seq in range(1, len(log)):
        page.keyboard.press("ArrowRight")
        expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        steps.append(shown(page))

    by_seq = {s["seq"]: s for s in steps}
    for s in steps:
        if s["status"] == "blocked" and "write" in s["text"]:
            assert s["used"] == s["nslots"], f"writer shown asleep with a free slot: {s}"
    for seq in resumed:
        before = by_seq[seq - 1]
        assert before["status"] == "running", (
            f"seq {seq - 1} shows the writer {before['status']}, but the kernel had already "
            f"woken its write (it returns at seq {seq})"
        )

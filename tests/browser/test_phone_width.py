"""At a phone's width nothing of any kind of kernel object is wider than the screen: no
sideways scrolling at any step of a scenario of each chapter, and nothing sticks out of a
process's card."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from runpage import run_from_gallery, wait_for_end

ONE_OF_EACH = [
    "hello-pipe",
    "fifo-rendezvous",
    "signals-dont-queue",
    "shm-lost-update",
    "fork-cow-vs-shared",
    "pass-an-fd",
    "stream-vs-datagram",
    "listen-accept",
    "socket-full",
]
# What sticks out of a process card, past its right edge: a long next call, a badge.
OUT_OF_CARD = """() => [...document.querySelectorAll('[data-testid="proc"]')].flatMap(card => {
    const right = card.getBoundingClientRect().right + 1;
    return [...card.querySelectorAll('*')].filter(el => el.getBoundingClientRect().right > right)
        .map(el => el.className || el.tagName);
})"""


@pytest.mark.parametrize("scenario", ONE_OF_EACH)
def test_no_step_is_wider_than_a_phone(phone: Page, scenario: str) -> None:
    run_from_gallery(phone, scenario)
    wait_for_end(phone)
    slider = phone.get_by_test_id("slider")
    last = int(slider.get_attribute("max") or "0")
    for seq in range(0, last + 1, max(1, last // 12)):
        slider.fill(str(seq))
        expect(phone.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (seq, width)
        assert not phone.evaluate(OUT_OF_CARD), (seq, phone.evaluate(OUT_OF_CARD))


def test_a_chinese_fd_tables_words_stay_whole_on_a_phone(phone: Page) -> None:
    """终端 and 管道 on one line each, however narrow the card: a word broken in two reads
    as two words."""
    phone.goto("/run/hello-pipe?lang=zh")
    phone.get_by_test_id("run-live").click()
    wait_for_end(phone)
    slider = phone.get_by_test_id("slider")
    for seq in range(int(slider.get_attribute("max") or "0") + 1):
        slider.fill(str(seq))
        expect(phone.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        broken = phone.evaluate(
            """() => [...document.querySelectorAll('.fds td.kind, .fds td .end')].filter(el => {
                const range = document.createRange(); range.selectNodeContents(el);
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
            }).map(el => el.textContent)"""
        )
        assert not broken, (seq, broken)

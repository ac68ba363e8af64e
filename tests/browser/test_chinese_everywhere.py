"""Every text the Chinese run page shows, at any step of a scenario of each chapter, is
Chinese outside code: the cards, the kernel objects, their tooltips and screen-reader
labels (page_texts.js reads each text node and label on its own). Code stays Latin: calls,
fds, flags, the names a program gives its processes and mappings, a mapping's hex offsets."""

from __future__ import annotations

from pathlib import Path

import pytest
from chinese import latin_words
from playwright.sync_api import Page, expect
from runpage import wait_for_end

PAGE_TEXTS = (Path(__file__).parent / "page_texts.js").read_text()
ONE_OF_EACH = [
    "hello-pipe",
    "shell-pipeline",
    "fifo-rendezvous",
    "signals-dont-queue",
    "fork-cow-vs-shared",
    "stream-vs-datagram",
    "pass-an-fd",
    "trace-eof",
]
CODE_WORDS = {"rw", "r", "w", "NONBLOCK", "CLOEXEC"}  # an fd's mode and flags, as ls and C say
NAMES = """() => [...document.querySelectorAll('[data-testid="proc-name"], [data-name]')]
    .map(el => el.dataset.name ?? el.textContent)"""


@pytest.mark.parametrize("scenario", ONE_OF_EACH)
def test_no_english_word_at_any_step(page: Page, scenario: str) -> None:
    page.goto(f"/run/{scenario}?lang=zh")
    page.get_by_test_id("run-live").click()
    wait_for_end(page)
    slider = page.get_by_test_id("slider")
    last = int(slider.get_attribute("max") or "0")
    found: dict[str, int] = {}
    for seq in sorted({*range(0, last + 1, max(1, last // 15)), last}):
        slider.fill(str(seq))
        expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        names = {word for name in page.evaluate(NAMES) for word in name.split()}
        for text in page.locator("main").evaluate(PAGE_TEXTS):
            # a hex offset in a mapping (+3f) is code too
            words = [w for w in latin_words(text, also=CODE_WORDS | names) if not _hex(w)]
            if words:
                found.setdefault(text, seq)
    assert not found, found


def _hex(word: str) -> bool:
    return all(c in "0123456789abcdefx" for c in word.lower())

"""The ring as a student reads it, at 1280 px and at 390 px, in English and in Chinese: every
slot's text at least 11 px, nothing of it clipped or outside its box, markers that say what
they mean, a tooltip naming each slot's offset and length, colours by the writing process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, snapshot, wait_for_end

MARKERS = {
    "en": {"head": "next write goes here", "tail": "next read comes from here"},
    "zh": {"head": "下一次写入放到这里", "tail": "下一次读取从这里开始"},
}
TIP = {"en": ("11 bytes", "offset 0"), "zh": ("11 字节", "偏移 0")}

# Every element of the ring: its font size, where it is drawn against the ring's box, its
# slot's and its own (content wider or taller than its element is clipped or spills).
LAYOUT = """ring => {
  const box = ring.getBoundingClientRect();
  const pipe = ring.closest('[data-testid="pipe"]').getBoundingClientRect();
  const out = [];
  for (const el of ring.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const slot = el.parentElement.closest('.slot')?.getBoundingClientRect() ?? box;
    const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    out.push({
      tag: el.tagName, cls: el.getAttribute('class') || '', text,
      font: parseFloat(getComputedStyle(el).fontSize),
      inside: r.width === 0 || [box, slot].every(b => r.left >= b.left - 0.5
        && r.right <= b.right + 0.5 && r.top >= b.top - 0.5 && r.bottom <= b.bottom + 0.5),
      spills: el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1,
      clips: getComputedStyle(el).overflow !== 'visible' && !el.classList.contains('slot-fill'),
    });
  }
  return {out, ring: [box.left, box.right, box.top, box.bottom],
          pipe: [pipe.left, pipe.right, pipe.top, pipe.bottom], width: innerWidth};
}"""


def start(page: Page, scenario: str, lang: str) -> None:
    page.goto(f"/run/{scenario}?lang={lang}")
    page.get_by_test_id("run-live").click()
    wait_for_end(page)


def to_first_full(page: Page) -> None:
    """Step to the first event whose ring is full (the writer asleep, or, on a loaded
    machine, about to be woken before it was seen asleep)."""
    slider = page.get_by_test_id("slider")
    for seq in range(int(slider.get_attribute("max") or "0") + 1):
        slider.fill(str(seq))
        expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        ring = page.get_by_test_id("ring")
        if ring.count() and ring.get_attribute("data-used") == ring.get_attribute("data-nslots"):
            return
    raise AssertionError("the ring was never full")


def check_readable(page: Page) -> None:
    ring = page.get_by_test_id("ring").first
    ring.scroll_into_view_if_needed()
    got: dict[str, Any] = ring.evaluate(LAYOUT)
    texts = [e for e in got["out"] if e["text"]]
    assert texts, "the ring shows no text"
    small = [e for e in texts if e["font"] < 11]
    assert not small, small
    outside = [e for e in got["out"] if not e["inside"]]
    assert not outside, outside
    spilled = [e for e in got["out"] if e["text"] and (e["spills"] or e["clips"])]
    assert not spilled, spilled
    left, right, top, bottom = got["ring"]
    p_left, p_right, p_top, p_bottom = got["pipe"]
    assert p_left <= left and right <= p_right and p_top <= top and bottom <= p_bottom
    assert left >= 0 and right <= got["width"], "the ring leaves the screen"


def check_markers(page: Page, lang: str) -> None:
    for kind, text in MARKERS[lang].items():
        marker = page.get_by_test_id(f"ring-{kind}")
        expect(marker).to_have_count(1)
        expect(marker).to_contain_text(text)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", ["page", "phone"])
def test_hello_pipe_ring_shows_the_bytes_readably(
    request: pytest.FixtureRequest, width: str, lang: str, shots: Path
) -> None:
    page: Page = request.getfixturevalue(width)
    start(page, "hello-pipe", lang)
    go_to(page, log_line(page, "call.return", "write"))
    slot = page.locator('[data-testid="ring-slot"][data-slot="0"]')
    expect(slot).to_have_attribute("data-len", "11")
    expect(slot.get_by_test_id("slot-bytes")).to_have_text("hello pipe\\n")
    # Coloured by the parent, who wrote them; the legend names it.
    parent = card(page, "parent").get_attribute("data-pid")
    expect(slot).to_have_attribute("data-writer", parent or "?")
    legend = page.get_by_test_id("ring-legend-writer")
    expect(legend).to_have_count(1)
    expect(legend).to_contain_text(parent or "?")
    # Its tooltip, as the mouse opens it, names its length and offset (the keyboard gets
    # the same: a slot is focusable, and its tip shows on :focus-visible).
    expect(slot).to_have_attribute("tabindex", "0")
    slot.hover()
    tip = slot.evaluate("el => getComputedStyle(el, '::after').content")
    for part in TIP[lang]:
        assert part in tip, tip
    check_markers(page, lang)
    check_readable(page)
    snapshot(page, shots / f"ring-hello-pipe-{width}-{lang}.png")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", ["page", "phone"])
def test_a_full_ring_is_readable_and_says_the_next_write_waits(
    request: pytest.FixtureRequest, width: str, lang: str
) -> None:
    page: Page = request.getfixturevalue(width)
    start(page, "full-buffer", lang)
    to_first_full(page)
    ring = page.get_by_test_id("ring")
    expect(ring).to_have_attribute("data-used", "16")
    used = page.locator('[data-testid="ring-slot"]:not([data-len="0"])')
    expect(used).to_have_count(16)
    writer = card(page, "writer").get_attribute("data-pid")
    assert set(used.evaluate_all("ss => ss.map(s => s.dataset.writer)")) == {writer}
    # Full: the head's slot is the tail's, still held, so both markers name slot 0's column.
    head = page.get_by_test_id("ring-head")
    expect(head).to_contain_text({"en": "once this slot is free", "zh": "这个槽空出来后"}[lang])
    expect(page.get_by_test_id("ring-tail")).to_contain_text(MARKERS[lang]["tail"])
    check_readable(page)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", ["page", "phone"])
def test_two_writers_slots_take_each_writers_colour(
    request: pytest.FixtureRequest, width: str, lang: str
) -> None:
    page: Page = request.getfixturevalue(width)
    start(page, "atomic-writes", lang)
    to_first_full(page)  # both writers have filled it, neither read yet
    pids = {role: card(page, role).get_attribute("data-pid") for role in ("writer_a", "writer_b")}
    colours = page.locator('[data-testid="ring-slot"]:not([data-len="0"])').evaluate_all(
        """ss => ss.map(s => [s.dataset.writer, getComputedStyle(s).borderTopColor,
                             s.querySelector('[data-testid="slot-bytes"]').textContent])"""
    )
    by_writer: dict[str, set[str]] = {}
    for pid, colour, text in colours:
        by_writer.setdefault(pid, set()).add(colour)
        fill = "A" if pid == pids["writer_a"] else "B"
        assert set(text.rstrip("…")) == {fill}, (pid, text)
    assert set(by_writer) == set(pids.values()), by_writer
    a, b = (by_writer[pids[role] or ""] for role in ("writer_a", "writer_b"))
    assert len(a) == len(b) == 1 and a != b, by_writer
    # The legend gives each writer's swatch the colour its slots have.
    swatches = page.get_by_test_id("ring-legend-writer").evaluate_all(
        """ls => ls.map(l => [l.dataset.pid,
                             getComputedStyle(l.querySelector('.swatch')).borderTopColor])"""
    )
    assert {pid: {colour} for pid, colour in swatches} == by_writer
    check_markers(page, lang)
    check_readable(page)

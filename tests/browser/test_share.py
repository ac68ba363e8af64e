"""Taking a run elsewhere from its page: "copy link to this step" puts the step's address on
the clipboard, says so, and the address opens the run at that step; "copy embed code" gives
an iframe of the embed at that step; where the clipboard is refused, the text waits selected
in a field; the exports are links to the export API."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from chinese import latin_words
from embedpage import at_seq, finished, seq_of
from playwright.sync_api import Page, expect
from service_client import Client

CLIPBOARD = """() => navigator.clipboard.readText()"""
# What a page on an origin that is not secure (plain http, not localhost) has: no clipboard.
NO_CLIPBOARD = "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});"


def allow_clipboard(page: Page, server: str) -> Page:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    return page


@pytest.fixture(scope="module")
def hello(server: str) -> dict[str, Any]:
    client = Client(server)
    try:
        return finished(client)
    finally:
        client.http.close()


def test_copy_link_puts_the_steps_address_on_the_clipboard(
    page: Page, server: str, hello: dict[str, Any]
) -> None:
    page, rid = allow_clipboard(page, server), hello["id"]
    seq = seq_of(hello["events"], "call.return", "write")
    page.goto(f"/runs/{rid}?seq={seq}&lang=en")
    at_seq(page, seq)
    status = page.get_by_test_id("share-status")
    expect(status).to_be_hidden()
    page.get_by_test_id("copy-link").click()
    expect(status).to_have_text("Link copied")
    expect(status).to_be_visible()
    link = f"{server}/runs/{rid}?seq={seq}"
    assert page.evaluate(CLIPBOARD) == link
    # Moving on, the confirmation goes: it spoke of the step before.
    page.get_by_test_id("forward").click()
    expect(status).to_be_hidden()
    # By keyboard alone: the button takes Enter, and copies the step shown now.
    page.get_by_test_id("copy-link").focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text("Link copied")
    assert page.evaluate(CLIPBOARD) == f"{server}/runs/{rid}?seq={seq + 1}"
    at_seq(page, seq + 1)  # Enter on the button did not move the replay

    opened = page.context.new_page()
    opened.goto(link)
    at_seq(opened, seq)
    expect(opened.get_by_test_id("pipe-bytes")).to_have_attribute("data-bytes", "11")


def test_copy_embed_code_gives_an_iframe_of_the_embed_at_this_step(
    page: Page, server: str, hello: dict[str, Any]
) -> None:
    page, rid = allow_clipboard(page, server), hello["id"]
    seq = seq_of(hello["events"], "call.return", "read")
    page.goto(f"/runs/{rid}?seq={seq}")
    at_seq(page, seq)
    page.get_by_test_id("copy-embed").click()
    expect(page.get_by_test_id("share-status")).to_have_text("Embed code copied")
    code = page.evaluate(CLIPBOARD)
    found = re.fullmatch(r'<iframe src="([^"]+)" title="([^"]+)" [^<>]*></iframe>', code)
    assert found, code
    src = html.unescape(found.group(1))
    assert src == f"{server}/embed/{rid}?seq={seq}&lang=en"
    assert html.unescape(found.group(2)) == "pipescope: hello pipe"
    assert 'width="800" height="450"' in code
    page.goto(src)
    at_seq(page, seq)
    expect(page.get_by_test_id("embed-page")).to_be_visible()


def test_where_the_clipboard_is_refused_the_link_waits_selected(
    page: Page, server: str, hello: dict[str, Any]
) -> None:
    page.add_init_script(NO_CLIPBOARD)
    page.goto(f"/runs/{hello['id']}?seq=5")
    at_seq(page, 5)
    page.get_by_test_id("copy-link").click()
    field = page.get_by_test_id("share-text")
    expect(field).to_be_visible()
    expect(field).to_be_focused()
    link = f"{server}/runs/{hello['id']}?seq=5"
    expect(field).to_have_value(link)
    selected = field.evaluate("f => f.value.slice(f.selectionStart, f.selectionEnd)")
    assert selected == link
    expect(page.get_by_test_id("share-status")).to_contain_text("copy it yourself")


def test_the_export_menu_links_each_export(page: Page, hello: dict[str, Any]) -> None:
    rid = hello["id"]
    page.goto(f"/runs/{rid}?seq=3")
    at_seq(page, 3)
    page.get_by_test_id("export").locator("summary").click()
    for fmt in ("json", "strace", "perfetto"):
        link = page.get_by_test_id(f"export-{fmt}")
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", f"/api/runs/{rid}/export?format={fmt}")
        expect(link).to_have_attribute("download", "")


def test_a_run_still_going_offers_its_link_but_no_export_yet(page: Page) -> None:
    page.goto("/run/hello-pipe")
    expect(page.get_by_test_id("share")).to_be_hidden()  # nothing to share before a run
    page.get_by_test_id("run-step").click()
    expect(page.get_by_test_id("stepbar")).to_be_visible()
    expect(page.get_by_test_id("copy-link")).to_be_visible()
    expect(page.get_by_test_id("export")).to_be_hidden()


NOT_CODE = """el => { const c = el.cloneNode(true);
  c.querySelectorAll('code').forEach(x => x.remove()); return c.innerText; }"""


def test_the_share_bar_speaks_chinese(page: Page, server: str, hello: dict[str, Any]) -> None:
    allow_clipboard(page, server)
    page.goto(f"/runs/{hello['id']}?seq=3&lang=zh")
    at_seq(page, 3)
    page.get_by_test_id("export").locator("summary").click()
    page.get_by_test_id("copy-link").click()
    status = page.get_by_test_id("share-status")
    expect(status).to_have_text("已复制链接")
    text = page.get_by_test_id("share").evaluate(NOT_CODE)
    assert "复制这一步的链接" in text and not latin_words(text), text
    # The confirmation follows a switch of language, as the page's other words do.
    page.get_by_test_id("lang-en").click()
    expect(status).to_have_text("Link copied")

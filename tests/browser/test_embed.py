"""The embed, /embed/ID?seq=K, as a student meets it in a course page: the run page's step,
drawn the same, replayed by its buttons and keys, with no run control on it and no request
that could drive the run; at a frame's sizes, in both languages, with no accessibility
violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from chinese import latin_words
from embedpage import Requests, at_seq, finished, seq_of, step_shown
from playwright.sync_api import Browser, Page, expect
from service_client import Client, Server
from test_accessibility import violations
from test_chinese_everywhere import CODE_WORDS, NAMES, PAGE_TEXTS

FRAMES = [{"width": 800, "height": 450}, {"width": 390, "height": 600}]
RUN_CONTROLS = ["run-form", "run-live", "run-step", "stop", "stepbar", "step-any", "auto", "step"]


@pytest.fixture(scope="module")
def hello(server: str) -> dict[str, Any]:
    client = Client(server)
    try:
        return finished(client)
    finally:
        client.http.close()


def test_the_embed_shows_the_step_the_run_page_shows(page: Page, hello: dict[str, Any]) -> None:
    rid, events = hello["id"], hello["events"]
    seq = seq_of(events, "call.return", "write")  # "hello pipe\n" waits in the pipe
    page.goto(f"/runs/{rid}?seq={seq}")
    at_seq(page, seq)
    expect(page.get_by_test_id("pipe-bytes")).to_have_attribute("data-bytes", "11")
    on_run_page = step_shown(page)

    requests = Requests(page)
    page.goto(f"/embed/{rid}?seq={seq}")
    at_seq(page, seq)
    expect(page.get_by_test_id("pipe-bytes")).to_have_attribute("data-bytes", "11")
    in_embed = step_shown(page)
    assert in_embed == on_run_page
    assert len(in_embed["fd_tables"]) == 2 and "hello pipe" in in_embed["pipes"][0]
    # Its link opens the run page at that step.
    open_full = page.get_by_test_id("open-full")
    expect(open_full).to_have_attribute("href", f"/runs/{rid}?seq={seq}")
    expect(open_full).to_have_attribute("target", "_blank")
    # No gallery around it, no run control in it.
    expect(page.locator(".topbar")).to_have_count(0)
    for testid in RUN_CONTROLS:
        expect(page.get_by_test_id(testid)).to_have_count(0)
    assert requests.controls() == [] and requests.sockets == []
    # Nor is the code that could drive one loaded at all.
    loaded = {url.rsplit("/", 1)[-1] for _, url in requests.made if url.endswith(".js")}
    assert "embed-page.js" in loaded and not loaded & {"run-control.js", "socket.js", "api.js"}


def test_the_embed_steps_by_its_buttons_and_keys(page: Page, hello: dict[str, Any]) -> None:
    rid, events = hello["id"], hello["events"]
    requests = Requests(page)
    seq = seq_of(events, "call.return", "write")
    page.goto(f"/embed/{rid}?seq={seq}")
    at_seq(page, seq)
    page.get_by_test_id("forward").click()
    at_seq(page, seq + 1)
    expect(page.get_by_test_id("open-full")).to_have_attribute("href", f"/runs/{rid}?seq={seq + 1}")
    page.get_by_test_id("back").click()
    page.get_by_test_id("back").click()
    at_seq(page, seq - 1)
    page.get_by_test_id("first").click()
    at_seq(page, 0)
    page.get_by_test_id("last").click()
    at_seq(page, len(events) - 1)
    page.get_by_test_id("slider").fill(str(seq))
    at_seq(page, seq)

    blur(page)
    page.keyboard.press("ArrowRight")
    at_seq(page, seq + 1)
    page.keyboard.press("ArrowLeft")
    at_seq(page, seq)
    page.keyboard.press("Home")
    at_seq(page, 0)
    page.keyboard.press("End")
    at_seq(page, len(events) - 1)
    # The moments: from the start, the next process to end is the parent, then the child.
    exits = [e["seq"] for e in events if e["type"] == "proc.exit"]
    page.keyboard.press("Home")
    page.get_by_test_id("moment-kind").select_option("exit")
    blur(page)
    page.keyboard.press("]")
    at_seq(page, exits[0])
    page.get_by_test_id("moment-next").click()
    at_seq(page, exits[1])
    page.keyboard.press("[")
    at_seq(page, exits[0])
    # Play replays to the end, and stops there.
    page.get_by_test_id("speed").select_option("60")
    page.get_by_test_id("first").click()
    blur(page)  # Space on a focused button is that button's (WAI-ARIA)
    page.keyboard.press("Space")
    at_seq(page, len(events) - 1)
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "false")
    assert requests.controls() == [] and requests.sockets == []


def test_an_embed_follows_a_run_its_starter_steps(page: Page, api: Client) -> None:
    """A step-mode run, driven by whoever started it: the embed shows each step as it is
    recorded, and never steps it itself."""
    run = api.start(scenario="hello-pipe", mode="step")
    try:
        requests = Requests(page)
        page.goto(f"/embed/{run['id']}")
        at_seq(page, 0)
        slider = page.get_by_test_id("slider")
        before = int(slider.get_attribute("max") or "0")
        assert api.control(run, "step").status_code == 202
        events = api.wait_for(run["id"], lambda e: e["type"] == "call.return")
        returned = next(e for e in events if e["type"] == "call.return")
        assert returned["call"] == "pipe" and returned["seq"] > before
        page.wait_for_function(
            "seq => Number(document.querySelector('[data-testid=slider]').max) >= seq",
            arg=returned["seq"],
        )
        slider.fill(str(returned["seq"]))
        at_seq(page, returned["seq"])
        expect(page.get_by_test_id("pipe")).to_have_count(1)
        assert requests.controls() == [] and requests.sockets == []
    finally:
        api.control(run, "kill")


def test_an_embed_outlives_the_server(
    browser: Browser, start_server: Callable[..., AbstractContextManager[Server]], tmp_path: Path
) -> None:
    """An embed in last week's slides: the server has restarted since (SIGTERM, a new server
    on the same data directory), and the embed shows the same step, from the run store."""
    data = tmp_path / "data"
    shown = []
    for restarted in (False, True):
        with start_server(data_dir=data) as srv:
            if not restarted:
                client = Client(srv.url)
                run = finished(client)
                client.http.close()
                seq = seq_of(run["events"], "call.return", "write")
            context = browser.new_context(viewport=FRAMES[0], base_url=srv.url)
            page = context.new_page()
            requests = Requests(page)
            page.goto(f"/embed/{run['id']}?seq={seq}")
            at_seq(page, seq)
            expect(page.get_by_test_id("pipe-bytes")).to_have_attribute("data-bytes", "11")
            shown.append(step_shown(page))
            page.get_by_test_id("forward").click()
            at_seq(page, seq + 1)
            assert requests.controls() == [] and requests.sockets == []
            context.close()
            if restarted:
                assert "POST /api/runs " not in srv.log_text()  # replayed, not run again
    assert shown[0] == shown[1]


def test_an_embed_without_seq_starts_at_the_first_step(page: Page, hello: dict[str, Any]) -> None:
    page.goto(f"/embed/{hello['id']}")
    at_seq(page, 0)
    expect(page.get_by_test_id("last")).to_be_enabled()


def test_an_embed_of_a_run_not_kept_says_so(page: Page) -> None:
    answer = page.goto("/embed/0123456789ab")
    assert answer is not None and answer.status == 404
    expect(page.get_by_test_id("not-found")).to_contain_text("not kept any more")


@pytest.mark.parametrize("size", FRAMES, ids=["800x450", "390x600"])
@pytest.mark.parametrize("scenario", ["hello-pipe", "pass-an-fd", "shm-lost-update"])
def test_no_step_scrolls_sideways_in_a_frame(
    browser: Browser, server: str, api: Client, size: dict[str, int], scenario: str
) -> None:
    run = finished(api, scenario)
    context = browser.new_context(viewport=size, base_url=server)
    page = context.new_page()
    page.goto(f"/embed/{run['id']}")
    at_seq(page, 0)
    last = len(run["events"]) - 1
    slider = page.get_by_test_id("slider")
    for seq in range(0, last + 1, max(1, last // 10)):
        slider.fill(str(seq))
        at_seq(page, seq)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], (seq, width)
    context.close()


@pytest.mark.parametrize("size", FRAMES, ids=["800x450", "390x600"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_embed_has_no_accessibility_violation(
    browser: Browser, server: str, hello: dict[str, Any], size: dict[str, int], lang: str
) -> None:
    context = browser.new_context(viewport=size, base_url=server)
    page = context.new_page()
    seq = seq_of(hello["events"], "call.return", "write")
    page.goto(f"/embed/{hello['id']}?seq={seq}&lang={lang}")
    at_seq(page, seq)
    assert violations(page) == []
    context.close()


def blur(page: Page) -> None:
    """No control has the focus: the keys are the replay's."""
    page.evaluate("document.activeElement?.blur()")


def test_the_chinese_embed_speaks_chinese_and_leaves_the_choice_alone(
    page: Page, hello: dict[str, Any]
) -> None:
    rid, events = hello["id"], hello["events"]
    page.goto(f"/embed/{rid}?lang=zh")
    at_seq(page, 0)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("open-full")).to_contain_text("在 pipescope 中打开")
    slider = page.get_by_test_id("slider")
    found: dict[str, int] = {}
    for seq in range(len(events)):
        slider.fill(str(seq))
        at_seq(page, seq)
        names = {word for name in page.evaluate(NAMES) for word in name.split()}
        for text in page.locator("main").evaluate(PAGE_TEXTS):
            if latin_words(text, also=CODE_WORDS | names):
                found.setdefault(text, seq)
    assert not found, found
    assert "运行结束" in page.get_by_test_id("caption").inner_text()
    page.get_by_test_id("back").click()
    opened = re.compile(rf"/runs/{rid}\?seq={len(events) - 2}&lang=zh$")
    expect(page.get_by_test_id("open-full")).to_have_attribute("href", opened)
    # A frame in someone's page does not choose the language of this site for its visitor.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

"""The terminal panel: at every step it shows what had been printed by then, whichever way
the step was reached, though no event carries the terminal's whole text."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Locator, Page, WebSocketRoute, expect
from runpage import go_to, log_line, wait_for_end

SCROLLBACK = 8192
Event = dict[str, Any]


def terminal(page: Page) -> Locator:
    return page.get_by_test_id("terminal")


def shown_text(page: Page) -> str:
    text: str = terminal(page).evaluate("e => e.textContent")
    return text


def jump(page: Page, seq: int) -> None:
    page.get_by_test_id("slider").fill(str(seq))
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))


def test_each_step_shows_what_was_printed_by_then_also_after_a_jump_back(page: Page) -> None:
    page.goto("/run/hello-pipe")
    page.get_by_test_id("run-live").click()
    wait_for_end(page)
    page.get_by_test_id("last").click()
    expect(terminal(page)).to_have_text("hello pipe\n")
    # The child's write to fd 1 (the second write) is what printed it: not yet before it...
    echo = log_line(page, "call.return", "write", nth=1)
    jump(page, int(echo.get_attribute("data-seq") or "0") - 1)
    expect(terminal(page)).to_have_text("(nothing printed yet)")
    expect(terminal(page)).to_have_class("terminal blank")
    # ...there from its own return on, stepping or jumping.
    page.keyboard.press("ArrowRight")
    expect(terminal(page)).to_have_text("hello pipe\n")
    jump(page, 0)
    expect(terminal(page)).to_have_text("(nothing printed yet)")


def withhold_printing(page: Page) -> list[Event]:
    """Route the run's WebSocket through the test, which drops every event that adds text to
    the terminal; returns those, as they pass."""
    withheld: list[Event] = []

    def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            data = json.loads(message)
            if not isinstance(data, list) and "seq" not in data:
                ws.send(message)  # an error object, not an event
                return
            for ev in data if isinstance(data, list) else [data]:
                if ev["state"]["output_new"]:
                    withheld.append(ev)
                else:
                    ws.send(json.dumps(ev))

        server.on_message(from_server)
        ws.on_message(server.send)

    page.route_web_socket("**/ws/runs/*", route)
    return withheld


def test_a_step_whose_printing_event_never_arrived_still_shows_the_text(page: Page) -> None:
    """The one event that carries "hello pipe\n" is withheld on its way to the page: the
    page asks the server for the text the later steps show."""
    withheld = withhold_printing(page)
    page.goto("/run/hello-pipe")
    page.get_by_test_id("run-live").click()
    wait_for_end(page)
    assert [(e["type"], e["call"], e["state"]["output_new"]) for e in withheld] == [
        ("call.return", "write", "hello pipe\n")
    ]
    never = page.locator(f'[data-testid="log-line"][data-seq="{withheld[0]["seq"]}"]')
    expect(never).to_have_count(0)
    page.get_by_test_id("last").click()
    expect(terminal(page)).to_have_text("hello pipe\n")
    expect(terminal(page)).to_have_attribute("data-output-at", "11")
    jump(page, 1)
    expect(terminal(page)).to_have_text("(nothing printed yet)")


def test_a_terminal_the_server_cannot_give_back_says_so_in_each_language(page: Page) -> None:
    withhold_printing(page)
    page.route("**/api/runs/*/output*", lambda route: route.fulfill(status=404, body="{}"))
    page.goto("/run/hello-pipe")
    page.get_by_test_id("run-live").click()
    wait_for_end(page)
    page.get_by_test_id("last").click()
    expect(terminal(page)).to_have_text(
        "(the server no longer has this run's output: run it again)"
    )
    page.get_by_test_id("lang-zh").click()
    expect(terminal(page)).to_have_text("（服务器已不再保存这次运行的输出：请再运行一次）")


def test_the_runs_output_is_counted_in_characters_as_the_server_counts(page: Page) -> None:
    """Offsets count Unicode characters; JavaScript strings count UTF-16 units, and an emoji
    is two of those."""
    page.goto("/run/hello-pipe")
    shown = page.evaluate(
        """async () => {
            const { RunOutput } = await import("/static/js/terminal.js");
            const out = new RunOutput();
            out.add(3, "a😀b");  // characters 0-3
            out.add(6, "c😀d");  // 3-6
            const whole = out.before(6, 100), tail = out.before(6, 4), early = out.before(2, 100);
            const gap = new RunOutput();
            gap.add(6, "c😀d");
            const missing = gap.before(6, 100);
            gap.add(5, "a😀bc😀");  // a reply from the server, overlapping what is known
            return { whole, tail, early, missing, filled: gap.before(6, 100) };
        }"""
    )
    assert shown == {
        "whole": "a😀bc😀d",
        "tail": "bc😀d",
        "early": "a😀",
        "missing": None,
        "filled": "a😀bc😀d",
    }


def test_a_long_output_shows_its_last_screenful_at_each_step(page: Page) -> None:
    """`seq 30000 | cat` prints 168,894 characters, more than the pipe holds, so cat writes
    them in several goes whatever the timing; the terminal keeps the last 8,192 of what had
    been printed at each step, as a terminal's scrollback does."""
    printed = "".join(f"{n}\n" for n in range(1, 30001))
    page.goto("/run/trace-pipeline")
    page.locator('[data-testid="run-form"] input[name="command"]').fill("seq 30000 | cat")
    page.get_by_test_id("run-live").click()
    wait_for_end(page)
    page.get_by_test_id("last").click()
    expect(terminal(page)).to_have_attribute("data-output-at", str(len(printed)))
    assert shown_text(page) == printed[-SCROLLBACK:]
    # Back to each write cat made to the terminal, from the end: each shows its own moment.
    cat_writes = page.locator(
        '[data-testid="log-line"][data-type="call.return"][data-call="write"]'
    )
    seen = []
    for i in range(cat_writes.count()):
        go_to(page, cat_writes.nth(i))
        at = int(terminal(page).get_attribute("data-output-at") or "-1")
        assert shown_text(page) == (printed[:at][-SCROLLBACK:] or "(nothing printed yet)")
        seen.append(at)
    assert any(0 < at < len(printed) for at in seen), seen

"""Python Tutor's rule: any step renders from its own event, with no look at its neighbours.

The page is made unable to look: the run's events pass through the test on their way from the
server, and the one just before each step under test is withheld, so the page never has it.
Then a jump straight to that step must still show what the step took away.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, WebSocketRoute, expect
from runpage import card, pipe_ends, run_from_gallery, wait_for_end

Event = dict[str, Any]


def withhold_the_event_before(page: Page, is_step: Callable[[Event], bool]) -> list[Event]:
    """Route the run's WebSocket through the test: each event is held until the next one
    arrives, and dropped when that next one is a step under test. Returns the steps under test
    as they pass (their events, in order)."""
    steps: list[Event] = []

    def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        held: list[Event] = []

        def from_server(message: str | bytes) -> None:
            data = json.loads(message)
            if not isinstance(data, list) and "seq" not in data:
                ws.send(message)  # an error object, not an event
                return
            for ev in data if isinstance(data, list) else [data]:
                if held and is_step(ev):
                    held.pop()
                    steps.append(ev)
                elif held:
                    ws.send(json.dumps(held.pop()))
                held.append(ev)
            if held[-1]["type"] == "run.end":
                ws.send(json.dumps(held.pop()))

        server.on_message(from_server)
        ws.on_message(server.send)

    page.route_web_socket("**/ws/runs/*", route)
    return steps


def test_a_step_reached_by_a_jump_shows_what_it_took_away(page: Page) -> None:
    roles: dict[int, str] = {}

    def closes_fd_3(ev: Event) -> bool:
        if ev["type"] == "proc.start":
            roles[ev["pid"]] = ev["role"]
        return bool(ev["type"] == "call.return" and ev["call"] == "close" and ev["args"]["fd"] == 3)

    steps = withhold_the_event_before(page, closes_fd_3)
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    parent_close, child_close = steps
    assert (roles[parent_close["pid"]], roles[child_close["pid"]]) == ("parent", "child")
    # The page never received the events just before them.
    for step in steps:
        before = page.locator(f'[data-testid="log-line"][data-seq="{step["seq"] - 1}"]')
        expect(before).to_have_count(0)

    page.keyboard.press("End")
    expect(page.get_by_test_id("stage")).to_have_attribute(
        "data-seq", str(page.get_by_test_id("slider").get_attribute("max"))
    )

    # Straight from the end to the parent's close(3): its read end fades, one reader is left.
    jump(page, parent_close["seq"])
    closed = card(page, "parent").get_by_test_id("fd-row-closed")
    expect(closed).to_have_attribute("data-fd", "3")
    expect(closed).to_have_attribute("data-end", "read")
    expect(closed).to_contain_text("closed")
    assert 3 not in pipe_ends(page, "parent")
    expect(page.locator('[data-testid="wire"][data-fd="3"].closed')).to_have_count(1)
    expect(page.get_by_test_id("pipe-readers")).to_have_attribute("data-count", "1")
    expect(page.get_by_test_id("caption")).to_contain_text("closed fd 3")

    # Straight to the child's last close: the pipe's last end goes, and the kernel frees it.
    jump(page, child_close["seq"])
    expect(card(page, "child").get_by_test_id("fd-row-closed")).to_have_attribute("data-fd", "3")
    expect(page.get_by_test_id("pipe")).to_have_count(0)
    freed = page.get_by_test_id("pipe-freed")
    expect(freed).to_have_count(1)
    expect(freed).to_contain_text("freed")


def jump(page: Page, seq: int) -> None:
    page.get_by_test_id("slider").fill(str(seq))
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))

"""What the embed tests share: a finished run made over the API, and what a page shows of a
step (the same reading for the run page and the embed, so the two can be compared)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, Request, expect
from service_client import Client

# Requests that would drive a run: its REST controls, and any WebSocket at all (the embed
# reads over REST; a socket is where control ops would go).
CONTROL_PATHS = ("/step", "/play", "/pause")


def finished(api: Client, scenario: str = "hello-pipe", **params: Any) -> dict[str, Any]:
    """A run of the scenario that has ended, and its events."""
    run = api.start(scenario=scenario, params=params)
    api.wait_ended(run["id"])
    return {"id": run["id"], "events": api.events(run["id"])}


def seq_of(events: list[dict[str, Any]], event_type: str, call: str | None = None) -> int:
    return next(
        e["seq"] for e in events if e["type"] == event_type and (call is None or e["call"] == call)
    )


def step_shown(page: Page) -> dict[str, Any]:
    """The text of the step on screen: each process's card (fd table included), the pipes,
    the caption, the terminal, the highlighted source line."""
    read: dict[str, Any] = page.evaluate(
        """() => {
          const text = (sel) => [...document.querySelectorAll(sel)].map((e) => e.innerText);
          return {seq: document.querySelector('[data-testid="stage"]').dataset.seq,
                  fd_tables: text('[data-testid="fd-table"]'), procs: text('[data-testid="proc"]'),
                  pipes: text('[data-testid="pipe"]'), caption: text('[data-testid="caption"]'),
                  terminal: text('[data-testid="terminal"]'), line: text('.src-line.current')};
        }"""
    )
    return read


def at_seq(page: Page, seq: int) -> None:
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))


class Requests:
    """Every request a page makes, and every WebSocket it opens."""

    def __init__(self, page: Page) -> None:
        self.made: list[tuple[str, str]] = []
        self.sockets: list[str] = []
        page.on("request", self.record)
        page.on("websocket", lambda ws: self.sockets.append(ws.url))

    def record(self, request: Request) -> None:
        self.made.append((request.method, request.url))

    def controls(self) -> list[tuple[str, str]]:
        """Those that would change a run: anything but a GET, and a GET of a control path."""
        return [
            (method, url)
            for method, url in self.made
            if method != "GET" or url.split("?")[0].endswith(CONTROL_PATHS)
        ]

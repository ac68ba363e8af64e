"""How long a page takes to show a finished run at its last step: the embed (events read
over REST, 5,000 a request) against the run page (the WebSocket), for a short run and a long
one (a composed program that execs `yes` onto the terminal until the recording limit).

A real server and Debian's chromium, as the browser tests use. Each figure is the time from
navigation to the stage showing the last event, best of TRIALS, with the embed's requests.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from _service import machine, server  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

TRIALS = 3
YES = {"program": {"procs": {"p": [{"op": "exec", "argv": ["yes"]}]}}}
RUNS: dict[str, dict[str, Any]] = {"hello-pipe": {"scenario": "hello-pipe"}, "yes": YES}
SHOWN = "s => document.querySelector('[data-testid=stage]')?.dataset.seq === String(s)"


def finished(url: str, body: dict[str, Any]) -> tuple[str, int]:
    with httpx.Client(base_url=url, timeout=60) as http:
        run = http.post("/api/runs", json=body).json()
        while (info := http.get(f"/api/runs/{run['id']}").json())["status"] != "ended":
            time.sleep(0.1)
        return run["id"], int(info["counts"]["events"]) - 1


def shown_in(page: Page, url: str, last: int) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(SHOWN, arg=last, timeout=120_000)
    return time.perf_counter() - start


def main() -> None:
    print(machine())
    with server() as srv, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        print("| run | events | embed (REST) | requests | run page (WebSocket) |")
        print("|---|---:|---:|---:|---:|")
        for name, body in RUNS.items():
            run_id, last = finished(srv.url, body)
            times: dict[str, list[float]] = {"embed": [], "run": []}
            asked = 0
            for _ in range(TRIALS):
                for kind, path in (("embed", "/embed"), ("run", "/runs")):
                    page = browser.new_page(viewport={"width": 1280, "height": 800})
                    events = []
                    page.on("request", lambda r, seen=events: seen.append(r.url))
                    times[kind].append(shown_in(page, f"{srv.url}{path}/{run_id}?seq={last}", last))
                    if kind == "embed":
                        asked = sum("/events?" in url for url in events)
                    page.close()
            embed, run = min(times["embed"]), min(times["run"])
            figures = f"{embed * 1000:,.0f} ms | {asked} | {run * 1000:,.0f} ms"
            print(f"| {name} | {last + 1:,} | {figures} |")
        browser.close()


if __name__ == "__main__":
    main()

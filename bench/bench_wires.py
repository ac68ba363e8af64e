"""What drawing the fd lines costs in the browser: one step's whole render, and the lines
alone, at each scenario's busiest event (the most lines), at 1280 px and at 390 px.

A real server and Debian's chromium (as the browser tests use). For each scenario the page
replays a live run; "step" moves the slider back and forth between the busiest event and the
one before it (the lines change, so they are routed from scratch, with the passes that widen
the margins and bands), "lines" calls drawWires again on the same event (the room they took
is kept). Each figure is the mean over ROUNDS, best of TRIALS.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _service import machine, server  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

END = '[data-testid="log-line"][data-type="run.end"]'
SCENARIOS = ("hello-pipe", "shell-pipeline", "two-pipes")
WIDTHS = {"1280 px": (1280, 800), "390 px": (390, 844)}
ROUNDS = 40
TRIALS = 3

TIME_STEPS = """([a, b, rounds]) => {
  const slider = document.querySelector('[data-testid="slider"]');
  const go = (seq) => { slider.value = String(seq); slider.dispatchEvent(new Event("input")); };
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) { go(a); go(b); }
  return (performance.now() - t0) / (2 * rounds);
}"""

TIME_LINES = """async (rounds) => {
  const { drawWires } = await import("/static/js/wires.js");
  const stage = document.querySelector('[data-testid="stage"]');
  const svg = document.querySelector('[data-testid="wires"]');
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) drawWires(stage, svg);
  return (performance.now() - t0) / rounds;
}"""


def busiest(page: Page) -> tuple[int, int]:
    """The event with the most lines, and how many."""
    last = int(page.locator(END).get_attribute("data-seq") or "0")
    counts = []
    for seq in range(last + 1):
        page.get_by_test_id("slider").fill(str(seq))
        page.wait_for_function(
            "s => document.querySelector('[data-testid=stage]').dataset.seq === String(s)", arg=seq
        )
        counts.append(page.locator('[data-testid="wire"]').count())
    return counts.index(max(counts)), max(counts)


def main() -> None:
    print(machine())
    print(f"{'scenario':<16} {'width':<8} {'lines':>5} {'step (ms)':>10} {'lines only (ms)':>16}")
    with server() as srv, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for width, (w, h) in WIDTHS.items():
            page = browser.new_page(viewport={"width": w, "height": h}, base_url=srv.url)
            for name in SCENARIOS:
                page.goto(f"/run/{name}?lang=en")
                page.get_by_test_id("run-live").click()
                page.locator(END).wait_for(timeout=60_000)
                seq, lines = busiest(page)
                step = min(page.evaluate(TIME_STEPS, [seq - 1, seq, ROUNDS]) for _ in range(TRIALS))
                page.get_by_test_id("slider").fill(str(seq))
                alone = min(page.evaluate(TIME_LINES, ROUNDS) for _ in range(TRIALS))
                print(f"{name:<16} {width:<8} {lines:>5} {step:>10.1f} {alone:>16.1f}", flush=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()

"""Screenshots of every scenario's key moments, in both languages and at both widths, for a
person to look at before a change to the page lands (artifacts/screenshots/all/, ignored by
git). Not a test: nothing is asserted, and it takes minutes.

    .venv/bin/python scripts/screenshots.py [SCENARIO ...]

Screenshots already taken are kept: run it again after an interruption, or delete
artifacts/screenshots/all/ for a fresh set. Key moments: the first event after the last
fork (both processes' fd tables), the first block, the first signal, the first wake, and the
run's end.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from service_client import serve  # noqa: E402

OUT = ROOT / "artifacts" / "screenshots" / "all"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
MOMENTS = {
    "forked": lambda e: e["type"] == "call.return" and e.get("call") == "fork",
    "blocked": lambda e: e["type"] == "call.block",
    "signal": lambda e: e["type"] == "signal",
    "woken": lambda e: e["type"] == "call.return" and e.get("blocked"),
    "end": lambda e: e["type"] == "run.end",
}


def moments(events: list[dict]) -> dict[str, int]:
    found: dict[str, int] = {}
    for name, is_it in MOMENTS.items():
        seqs = [e["seq"] for e in events if is_it(e)]
        if seqs:
            found[name] = seqs[-1] if name == "forked" else seqs[0]
    return found


def shoot(page: Page, scenario: str, lang: str, width: str) -> None:
    page.goto(f"/run/{scenario}?lang={lang}")
    page.get_by_test_id("run-live").click()
    page.locator('[data-testid="log-line"][data-type="run.end"]').wait_for(timeout=60_000)
    run_id = page.url.split("/runs/")[1].split("?")[0]
    events = page.evaluate(
        "id => fetch(`/api/runs/${id}/events?limit=5000`).then(r => r.json())", run_id
    )
    for name, seq in moments(events).items():
        page.get_by_test_id("slider").fill(str(seq))
        page.wait_for_function(
            "s => document.querySelector('[data-testid=stage]').dataset.seq === String(s)", arg=seq
        )
        page.wait_for_timeout(300)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=OUT / f"{scenario}.{lang}.{width}.{name}.png", full_page=True)


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as logs, serve(Path(logs)) as server:
        scenarios = names or [s["name"] for s in httpx.get(server.url + "/api/scenarios").json()]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for width, (w, h) in WIDTHS.items():
                for lang in ("en", "zh"):
                    context = browser.new_context(
                        viewport={"width": w, "height": h}, base_url=server.url
                    )
                    page = context.new_page()
                    for scenario in scenarios:
                        if (OUT / f"{scenario}.{lang}.{width}.end.png").exists():
                            continue  # taken by an earlier, interrupted pass
                        try:
                            shoot(page, scenario, lang, width)
                        except PlaywrightError as err:  # a loaded machine: go on, say so
                            print(f"{scenario} {lang} {width} FAILED: {err}", flush=True)
                            page.close()
                            page = context.new_page()
                            continue
                        print(f"{scenario} {lang} {width}", flush=True)
                    context.close()
            browser.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The lines from fd rows to what they point at, measured as drawn: no two share a stretch,
none crosses a label, a card or a box it does not end at, and each ends at its own target.
At 1280 px and at a phone's width, in both languages: after fork, at the end, and at the
pipeline's busiest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from runpage import go_to, log_line, run_from_gallery, wait_for_end

# In the page: every drawn line sampled along its length, and the boxes it must keep out of.
MEASURE = (Path(__file__).parent / "measure_wires.js").read_text()

NEAR = 2.5  # px: closer than this, two lines read as one (each is 2.2 px wide)
SHARED = 8  # px of one line running along another: a shared stretch, not a crossing


def inside(pt: list[float], b: dict[str, Any], inset: float) -> bool:
    x, y = pt
    return b["l"] + inset < x < b["r"] - inset and b["t"] + inset < y < b["b"] - inset


def longest_shared(a: list[list[float]], b: list[list[float]]) -> int:
    run = best = 0
    for x, y in a:
        close = any(abs(x - u) < NEAR and abs(y - v) < NEAR for u, v in b)
        run = run + 1 if close else 0
        best = max(best, run)
    return best


def check_lines(page: Page, expect_lines: int) -> None:
    seen = page.evaluate(MEASURE)
    lines = seen["lines"]
    assert len([w for w in lines if w["kind"] == "wire"]) >= expect_lines, lines
    problems = []
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            shared = longest_shared(a["pts"], b["pts"])
            if shared >= SHARED:
                problems.append(f"{a['name']} runs {shared} px along {b['name']}")
        for label in seen["labels"]:
            if any(inside(p, label, -1) for p in a["pts"]):
                problems.append(f"{a['name']} crosses {label['what']}")
        for box in seen["boxes"]:
            if any(inside(p, box, 2) for p in a["pts"]):
                problems.append(f"{a['name']} crosses {box['what']}")
        # Each line ends on the top edge of its own target.
        x, y = a["pts"][-1]
        if a["kind"] == "wire":
            target = seen["files"].get(a["file"])
        else:
            target = seen["ports"].get(f"{a['pipe']} {a['end']}")
        assert target, f"{a['name']}: its target is not on the page"
        if not (target["l"] <= x <= target["r"] and abs(y - target["t"]) < 1.5):
            problems.append(f"{a['name']} ends at {x:.0f},{y:.0f}, not on its target {target}")
    assert not problems, "\n".join(problems)


def wires_at(page: Page, seq: int) -> int:
    page.get_by_test_id("slider").fill(str(seq))
    expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
    return page.locator('[data-testid="wire"]').count()


def busiest(page: Page) -> int:
    """Move to the event with the most lines; return how many it has."""
    last = int(log_line(page, "run.end").get_attribute("data-seq") or "0")
    counts = [wires_at(page, seq) for seq in range(last + 1)]
    top = max(counts)
    wires_at(page, counts.index(top))
    return top


def last_with_lines(page: Page) -> int:
    """Move to the run's last event that still draws lines (its closes); return how many."""
    seq = int(log_line(page, "run.end").get_attribute("data-seq") or "0")
    while (count := wires_at(page, seq)) == 0:
        seq -= 1
    return count


def shoot(page: Page, path: Path) -> None:
    page.get_by_test_id("stage").screenshot(path=path)


@pytest.mark.parametrize("width", ["page", "phone"])
def test_hello_pipe_lines_after_fork_and_at_the_end(
    width: str, request: pytest.FixtureRequest, shots: Path
) -> None:
    page: Page = request.getfixturevalue(width)
    run_from_gallery(page, "hello-pipe")
    wait_for_end(page)
    go_to(page, log_line(page, "proc.start", nth=1))  # after fork: four fds, two files
    check_lines(page, 4)
    shoot(page, shots / f"wires-hello-pipe-after-fork-{width}.png")
    page.get_by_test_id("lang-zh").click()
    check_lines(page, 4)
    page.get_by_test_id("lang-en").click()
    check_lines(page, last_with_lines(page))
    shoot(page, shots / f"wires-hello-pipe-end-{width}.png")


@pytest.mark.parametrize("width", ["page", "phone"])
def test_shell_pipeline_lines_at_its_busiest(
    width: str, request: pytest.FixtureRequest, shots: Path
) -> None:
    page: Page = request.getfixturevalue(width)
    run_from_gallery(page, "shell-pipeline")
    wait_for_end(page)
    most = busiest(page)
    assert most >= 6, f"the pipeline's busiest moment has only {most} lines"
    check_lines(page, most)
    shoot(page, shots / f"wires-shell-pipeline-busiest-{width}.png")
    # In Chinese the labels have other widths; the lines still keep clear of them.
    page.get_by_test_id("lang-zh").click()
    expect(page.locator(".boundary span")).to_have_text("系统调用从这里进入内核")
    check_lines(page, most)
    shoot(page, shots / f"wires-shell-pipeline-busiest-{width}-zh.png")

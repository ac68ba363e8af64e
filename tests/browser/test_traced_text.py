"""A traced pipeline reads as the pipeline: its source pane is the command and the C a shell
runs for it (not pipescope's launcher), and no call is written with a value it does not
have (`read(0, …, undefined)` while strace has not yet told the count)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from runpage import run_from_gallery, wait_for_end


@pytest.mark.parametrize(
    ("scenario", "command", "says"),
    [
        ("trace-yes-head", "$ yes | head -n 3", "execvp(head[0], head);"),
        ("trace-pipeline", "$ COMMAND | COMMAND ...", "execvp(stage[i][0], stage[i]);"),
    ],
)
def test_the_source_is_the_pipeline_not_the_launcher(
    page: Page, scenario: str, command: str, says: str
) -> None:
    page.goto(f"/run/{scenario}")
    source = page.get_by_test_id("source")
    expect(source).to_contain_text(command)
    expect(source).to_contain_text(says)
    text = source.inner_text()
    for internal in ("seccomp", "FILTER_FD", "load_filter", "launcher"):
        assert internal not in text, internal


def test_no_call_is_written_with_an_unknown_value(page: Page) -> None:
    run_from_gallery(page, "trace-yes-head")
    wait_for_end(page)
    lines = page.get_by_test_id("log-line").all_inner_texts()
    assert any("] read(0, " in line for line in lines), lines[:40]
    assert not [line for line in lines if "undefined" in line or "null" in line]
    page.get_by_test_id("first").click()
    for _ in range(40):  # the captions of the first steps, where each call is first named
        caption = page.get_by_test_id("caption").inner_text()
        assert "undefined" not in caption and "null" not in caption, caption
        page.get_by_test_id("forward").click()

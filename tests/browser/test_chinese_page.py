"""The Chinese page speaks Chinese throughout a run: every step's caption, the run's end
(the server's message included, worded from its key), a time-out's explanation, and a
refused parameter. Latin letters remain only as code: calls, fds, signal names, paths."""

from __future__ import annotations

import pytest
from chinese import latin_words
from playwright.sync_api import Page, expect
from runpage import wait_for_end

NOT_CODE = """el => { const c = el.cloneNode(true);
  c.querySelectorAll('code').forEach(x => x.remove()); return c.innerText; }"""


def start_zh(page: Page, scenario: str, query: str = "") -> None:
    page.goto(f"/run/{scenario}?lang=zh{query}")
    page.get_by_test_id("run-live").click()


@pytest.mark.parametrize("scenario", ["hello-pipe", "forgot-close", "sigpipe"])
def test_every_caption_of_a_run_is_chinese(page: Page, scenario: str) -> None:
    start_zh(page, scenario)
    wait_for_end(page)
    slider = page.get_by_test_id("slider")
    last = int(slider.get_attribute("max") or "0")
    caption = page.get_by_test_id("caption")
    role_names = {
        name for name in page.get_by_test_id("proc-name").all_inner_texts() if name.isascii()
    }
    for seq in range(last + 1):
        slider.fill(str(seq))
        expect(page.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        text = caption.evaluate(NOT_CODE)
        assert not latin_words(text, also=role_names), (seq, text)
    assert "运行结束" in caption.inner_text()
    # The system-call log's last line too: the server's message worded from its key.
    end = page.locator('[data-testid="log-line"][data-type="run.end"]').inner_text()
    reasons = {"exited", "timeout", "killed", "limit", "error"}  # the event's reason, as code
    assert "运行结束" in end and not latin_words(end, also=reasons), end
    # And every line of it: what pipescope adds to the calls (a start, a block, an exit) is
    # Chinese; the run's id and the scenario's name are names.
    names = {*reasons, *scenario.split("-"), *role_names, "parent", "child"}
    for line in page.get_by_test_id("log-line").all_inner_texts():
        run_id = line.split("：")[0].removeprefix("--- 运行 ") if "--- 运行 " in line else ""
        assert not latin_words(line.replace(run_id, " "), also=names), line


def test_a_refused_parameter_is_told_in_chinese(page: Page) -> None:
    page.goto("/run/full-buffer?lang=zh")
    page.locator('[data-testid="run-form"] input[name="chunk"]').fill("1")
    page.get_by_test_id("run-live").click()
    alert = page.get_by_test_id("alert")
    expect(alert).to_have_attribute("data-status", "422")
    expect(alert).to_contain_text("不能小于 128")
    assert not latin_words(alert.evaluate(NOT_CODE)), alert.inner_text()
    expect(alert.locator("code")).to_contain_text("chunk")


def test_the_source_comments_speak_the_page_language(page: Page) -> None:
    page.goto("/run/hello-pipe?lang=zh")
    source = page.get_by_test_id("source")
    expect(source).to_contain_text("close(fd[0]); //父进程关闭读端")
    page.get_by_test_id("lang-en").click()
    expect(source).to_contain_text("close(fd[0]); //the parent closes the read end")
    expect(source).not_to_contain_text("父进程")


def test_a_programs_own_name_is_set_apart_in_a_chinese_sentence(page: Page) -> None:
    """A traced C program's process is called by its name, a Latin word: 向 eof（PID）, with a
    space between it and the Chinese, as Chinese typesetting has it."""
    start_zh(page, "trace-eof")
    wait_for_end(page)
    fork = page.locator('[data-testid="log-line"][data-type="call.return"][data-call="fork"]')
    fork.first.click()
    expect(page.get_by_test_id("caption")).to_contain_text("向 eof（")

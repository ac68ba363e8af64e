"""A student's own program on the page: gcc's error on its line, then a working pipe
program stepped call by call, the current line moving in the student's own source."""

from __future__ import annotations

import contextlib
import uuid

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from runpage import card, go_to, wait_for_end

SESSION = uuid.uuid4().hex  # a source compiled by no earlier session

BROKEN = """#include <stdio.h>

int main(void) {
    int x = 1;
    printf("%d\\n", y);
    return 0;
}
"""
WORKING = """#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    pipe(fds);
    if (fork() == 0) {
        close(fds[1]);
        char buf[16];
        read(fds[0], buf, sizeof buf);
        return 0;
    }
    close(fds[0]);
    write(fds[1], "hi", 2);
    wait(NULL);
    return 0;
}
"""


def paste(page: Page, text: str, tag: str, button: str) -> None:
    page.get_by_test_id("c-source").fill(text + f"/* {tag} {SESSION} */\n")
    page.get_by_test_id(button).click()


def step_until_line(page: Page, line: int, most: int = 60) -> None:
    """Press "Next in turn" until the event shown is a call on `line` of the student's file."""
    lines = page.get_by_test_id("log-line")
    for _ in range(most):
        # The stage follows the run a step at a time: judge the line it shows once it shows
        # the newest event, not while it is still on its way there.
        page.wait_for_function(
            """() => {
                const lines = document.querySelectorAll('[data-testid="log-line"]');
                const stage = document.querySelector('[data-testid="stage"]');
                return lines.length > 0 && stage !== null
                    && stage.dataset.seq === lines[lines.length - 1].dataset.seq;
            }"""
        )
        current = page.locator('[data-testid="src-line"][aria-current="step"]')
        if current.count() == 1 and current.get_attribute("data-line") == str(line):
            return
        before = lines.count()
        page.get_by_test_id("step-any").click()
        expect(lines).not_to_have_count(before)
    raise AssertionError(f"line {line} never became the current line")


def let_it_end(page: Page, most: int = 400) -> None:
    """Step until the run has ended. The step bar goes the moment the run ends, which may be
    between seeing the button and clicking it: a click that finds no button is no failure."""
    end = page.locator('[data-testid="log-line"][data-type="run.end"]')
    step = page.get_by_test_id("step-any")
    for _ in range(most):
        if end.count():
            return
        if step.is_visible():
            with contextlib.suppress(PlaywrightTimeout):
                step.click(timeout=2000)
        else:
            page.wait_for_timeout(50)
    raise AssertionError("the run never ended")


def test_a_compile_error_on_its_line_then_a_pipe_program_stepped(page: Page) -> None:
    page.goto("/")
    page.get_by_test_id("paste-link").click()
    expect(page.get_by_test_id("paste-page")).to_be_visible()
    paste(page, BROKEN, "browser-en-broken", "paste-run")
    marked = page.locator('[data-testid="gutter-line"][data-severity="error"]')
    expect(marked).to_have_count(1)
    expect(marked).to_have_attribute("data-line", "5")
    first = page.get_by_test_id("diagnostic").first
    expect(first).to_contain_text("line 5, column 20")
    expect(first).to_contain_text("undeclared")  # gcc's own words
    first.get_by_test_id("diagnostic-line").press("Enter")  # the keyboard goes to the line
    assert page.evaluate("document.activeElement.id") == "c-source"

    paste(page, WORKING, "browser-en-working", "paste-step")
    expect(page.get_by_test_id("run-page")).to_be_visible()
    expect(page.get_by_test_id("source")).to_contain_text('write(fds[1], "hi", 2);')
    step_until_line(page, 7)  # pipe(fds);
    expect(page.locator('[data-testid="src-line"][data-line="7"]')).to_have_class(
        "src-line current"
    )
    # Let it go to its end, then step back through it: the current line follows each call.
    let_it_end(page)
    wait_for_end(page)
    main = card(page, "main").get_attribute("data-pid")
    for call, line in (("fork", 8), ("close", 14), ("write", 15), ("wait4", 16)):
        go_to(
            page,
            page.locator(
                f'[data-testid="log-line"][data-type="call.return"][data-call="{call}"]'
                f'[data-pid="{main}"]'
            ).last,
        )
        expect(page.locator('[data-testid="src-line"][aria-current="step"]')).to_have_attribute(
            "data-line", str(line)
        )


def test_the_same_in_chinese(page: Page) -> None:
    page.goto("/paste?lang=zh")
    expect(page.get_by_test_id("paste-run")).to_contain_text("运行")
    paste(page, BROKEN, "browser-zh-broken", "paste-run")
    first = page.get_by_test_id("diagnostic").first
    expect(first).to_contain_text("第 5 行，第 20 列")
    expect(first).to_contain_text("错误")
    expect(page.get_by_test_id("paste-errors")).to_contain_text("gcc 的原话")

"""The gallery shows every scenario; the language choice covers every string and sticks."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from runpage import card, go_to, log_line, snapshot, wait_for_end

from app.scenarios.catalog import all_scenarios


def test_gallery_lists_every_scenario_with_its_point_and_parameters(
    page: Page, shots: Path
) -> None:
    page.goto("/")
    scenarios = all_scenarios()
    names = {s.name for s in scenarios}
    twins = {f"trace-{s.name}" for s in scenarios if f"trace-{s.name}" in names}
    expect(page.get_by_test_id("scenario")).to_have_count(len(scenarios) - len(twins))
    # A traced C program is reached from its runner twin's card, not a card that repeats it.
    for twin in twins:
        runner = page.locator(f'[data-testid="scenario"][data-scenario="{twin[6:]}"]')
        expect(runner.get_by_test_id(f"twin-{twin[6:]}")).to_have_attribute("href", f"/run/{twin}")
    # The first card of the first chapter is where a newcomer starts.
    first = page.get_by_test_id("scenario").first
    expect(first).to_have_attribute("data-scenario", "hello-pipe")
    expect(first.get_by_test_id("start-here")).to_have_text("Start here")
    expect(page.get_by_test_id("start-here")).to_have_count(1)
    for scenario in (s for s in scenarios if s.name not in twins):
        item = page.locator(f'[data-testid="scenario"][data-scenario="{scenario.name}"]')
        expect(item.locator("h3")).to_have_text(scenario.title["en"])
        # shown as the reader sees it: a `code` span's backticks are not on the page
        summary = scenario.summary["en"].replace("`", "")
        expect(item.get_by_test_id("scenario-summary")).to_have_text(summary)
        expect(item.get_by_test_id(f"run-{scenario.name}")).to_be_visible()
        for param in scenario.params:
            field = item.locator(f'input[name="{param.name}"]')
            expect(field).to_have_count(1)
            if param.min is not None:
                expect(field).to_have_attribute("min", str(param.min))
                expect(field).to_have_attribute("max", str(param.max))
    page.screenshot(path=shots / "gallery.png", full_page=True)


def test_chinese_everywhere_and_kept_across_pages(page: Page, shots: Path) -> None:
    page.goto("/")
    page.get_by_test_id("lang-zh").click()
    expect(page.locator("h1")).to_have_text("选择一个场景")
    hello = page.locator('[data-testid="scenario"][data-scenario="hello-pipe"]')
    expect(hello.locator("h3")).to_have_text("hello pipe：父写子读")
    expect(hello.get_by_test_id("run-hello-pipe")).to_contain_text("运行")

    # The next page comes from the server already in Chinese (the cookie), as does a reload.
    hello.get_by_test_id("run-hello-pipe").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".space.user .space-label")).to_have_text("用户空间")
    expect(page.locator(".space.kernel .space-label")).to_have_text("内核空间")
    wait_for_end(page)
    go_to(page, log_line(page, "proc.start", nth=1))
    parent = card(page, "parent")
    expect(
        parent.locator('[data-testid="fd-row"][data-fd="3"] [data-testid="fd-end"]')
    ).to_have_text("读端")
    expect(
        parent.locator('[data-testid="fd-row"][data-fd="4"] [data-testid="fd-end"]')
    ).to_have_text("写端")
    expect(parent.get_by_test_id("proc-name")).to_have_text("父进程")
    expect(card(page, "child").get_by_test_id("proc-name")).to_have_text("子进程")
    expect(page.locator('[data-testid="pipe"] h3')).to_contain_text("管道")
    expect(page.locator('[data-testid="pipe"] .sub')).to_contain_text("内核缓冲区")
    expect(page.locator('[data-testid="pipe"] .sub')).to_contain_text("环形队列")
    expect(page.locator("table.fds caption").first).to_have_text("文件描述符表")
    expect(page.get_by_test_id("caption")).to_contain_text("子进程")
    snapshot(page, shots / "hello-pipe-zh.png")

    # Switching back on the run page keeps the run: the same event, now in English.
    page.get_by_test_id("lang-en").click()
    expect(
        parent.locator('[data-testid="fd-row"][data-fd="3"] [data-testid="fd-end"]')
    ).to_have_text("read end")
    expect(page.get_by_test_id("run-live")).to_contain_text("Run again")
    page.reload()
    expect(page.locator(".space.user .space-label")).to_have_text("User space")


def test_language_from_a_link_sticks(page: Page) -> None:
    page.goto("/?lang=zh")
    expect(page.locator("h1")).to_have_text("选择一个场景")
    page.goto("/run/eof")
    expect(page.get_by_test_id("scenario-title")).to_have_text("读到文件末尾（EOF）")
    expect(page.get_by_test_id("empty")).to_contain_text("还没有运行")

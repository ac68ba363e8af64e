"""A page of another site tries to start a run on the user's pipescope: it frames a run page
with ?autorun=1, links to one, and posts a run as a cross-site form would. Nothing starts;
the framed page is refused by the browser."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
from playwright.sync_api import Browser, expect
from service_client import Server
from sites import foreign_site

ATTACK = """<!doctype html><title>cute cats</title>
<iframe id="framed" src="{run}"></iframe>
<a id="link" href="{run}">more cats</a>
<script>
  const body = '{{"scenario": "hello-pipe", "mode": "step"}}';
  fetch("{api}/api/runs", {{method: "POST", mode: "no-cors",
    headers: {{"content-type": "text/plain"}}, body}})
    .finally(() => {{ document.body.dataset.posted = "yes"; }});
</script>"""


def runs_asked(srv: Server) -> int:
    return srv.log_text().count('"POST /api/runs HTTP/1.1" 201')


def test_another_site_cannot_start_a_run(
    browser: Browser, start_server: Callable[..., AbstractContextManager[Server]]
) -> None:
    with start_server() as srv:
        run_url = f"{srv.url}/run/hello-pipe?autorun=1&mode=step"
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        with foreign_site(ATTACK.format(run=run_url, api=srv.url)) as attacker:
            page.goto(attacker)
            expect(page.locator("body")).to_have_attribute("data-posted", "yes")
            # The browser refuses to show our page inside theirs (frame-ancestors 'self').
            framed = page.frame_locator("#framed")
            expect(framed.locator('[data-testid="run-page"]')).to_have_count(0)
            assert all("/run/hello-pipe" not in f.url for f in page.frames[1:]), page.frames

            # A click on their link opens the page, which waits for a click on Run.
            page.locator("#link").click()
            expect(page.get_by_test_id("run-page")).to_have_attribute("data-autorun", "refused")
            expect(page.get_by_test_id("autorun-refused")).to_be_visible()
            page.wait_for_load_state("networkidle")
            expect(page.get_by_test_id("empty")).to_be_visible()
        health = httpx.get(srv.url + "/healthz").json()
        assert health["runs"] == 0 and runs_asked(srv) == 0, srv.log_text()[-2000:]

        # The user's own click starts it; so does the same URL typed or bookmarked.
        page.get_by_test_id("run-step").click()
        expect(page.get_by_test_id("stepbar")).to_be_visible()
        assert runs_asked(srv) == 1
        typed = context.new_page()
        typed.goto(run_url)
        expect(typed.get_by_test_id("run-page")).to_have_attribute("data-autorun", "start")
        expect(typed.get_by_test_id("stepbar")).to_be_visible()
        assert runs_asked(srv) == 2 and httpx.get(srv.url + "/healthz").json()["runs"] == 2
        context.close()

"""Who may frame what: a course page on an origin the operator lists in
PIPESCOPE_EMBED_ORIGINS shows the embed (and it replays there), while the same frame around
the run page or the gallery is refused by the browser; with the setting unset, the embed is
refused in another site's frame too; the server's own pages may frame it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from embedpage import finished, seq_of
from playwright.sync_api import Browser, Frame, Page, expect
from service_client import Client, Server
from sites import foreign_site

COURSE = """<!doctype html><title>week 3: pipes</title>
<h1>Look at step {seq}</h1>
{frames}
<script>
  for (const frame of document.querySelectorAll("iframe"))
    frame.addEventListener("load", () => {{ frame.dataset.loaded = "yes"; }});
</script>"""
FRAME = '<iframe id="{name}" src="{src}" width="800" height="450" title="{name}"></iframe>'


def course_page(srv: str, run_id: str, seq: int, **addresses: str) -> str:
    frames = "\n".join(FRAME.format(name=name, src=srv + path) for name, path in addresses.items())
    return COURSE.format(seq=seq, frames=frames)


def frame_of(page: Page, name: str) -> Frame:
    """The frame, once the browser has loaded it (or its error page, if it refused it)."""
    expect(page.locator(f"iframe#{name}")).to_have_attribute("data-loaded", "yes")
    frame = page.locator(f"iframe#{name}").element_handle().content_frame()
    assert frame is not None
    return frame


def refused(frame: Frame, testid: str) -> bool:
    """The browser showed its own error page instead of ours."""
    ours = frame.locator(f'[data-testid="{testid}"]').count()
    return not frame.url.startswith("http") and ours == 0


def test_a_listed_origin_frames_the_embed_and_nothing_else(
    browser: Browser, start_server: Callable[..., AbstractContextManager[Server]]
) -> None:
    html: dict[str, str] = {}
    with (
        foreign_site(lambda: html["page"]) as site,
        start_server(embed_origins=site.rstrip("/")) as srv,
    ):
        client = Client(srv.url)
        run = finished(client)
        client.http.close()
        seq = seq_of(run["events"], "call.return", "write")
        html["page"] = course_page(
            srv.url,
            run["id"],
            seq,
            embed=f"/embed/{run['id']}?seq={seq}",
            run=f"/runs/{run['id']}?seq={seq}",
            gallery="/",
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto(site)
        embed = frame_of(page, "embed")
        expect(embed.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        embed.get_by_test_id("forward").click()
        expect(embed.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq + 1))
        embed.locator("body").press("ArrowLeft")  # the keys work inside the frame
        expect(embed.get_by_test_id("stage")).to_have_attribute("data-seq", str(seq))
        assert refused(frame_of(page, "run"), "run-page")
        assert refused(frame_of(page, "gallery"), "gallery")
        page.close()


def test_unlisted_the_embed_is_refused_in_another_sites_frame(
    browser: Browser, server: str, api: Client
) -> None:
    run = finished(api)
    seq = seq_of(run["events"], "call.return", "write")
    page_html = course_page(server, run["id"], seq, embed=f"/embed/{run['id']}?seq={seq}")
    with foreign_site(page_html) as site:
        page = browser.new_page()
        page.goto(site)
        assert refused(frame_of(page, "embed"), "embed-page")
        page.close()


def test_the_servers_own_pages_may_frame_the_embed(page: Page, api: Client) -> None:
    run: dict[str, Any] = finished(api)
    page.goto("/")
    page.evaluate(
        """(src) => { const frame = document.createElement("iframe");
            frame.id = "embed"; frame.src = src; frame.title = "embed";
            frame.addEventListener("load", () => { frame.dataset.loaded = "yes"; });
            document.body.append(frame); }""",
        f"/embed/{run['id']}?seq=3",
    )
    embed = frame_of(page, "embed")
    expect(embed.get_by_test_id("stage")).to_have_attribute("data-seq", "3")

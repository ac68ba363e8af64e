"""The embed page alone may be framed by other sites, and only by those the operator lists
(PIPESCOPE_EMBED_ORIGINS): its policy names them and it sends no X-Frame-Options, which would
refuse them all; every other answer keeps frame-ancestors 'self'."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from service_client import Client, Server

LISTED = "https://slides.example.org,https://*.course.example,http://localhost:8080"


def ancestors(policy: str) -> str:
    return next(p.strip() for p in policy.split(";") if p.strip().startswith("frame-ancestors"))


def test_the_listed_origins_may_frame_the_embed_and_nothing_else(
    start_server: Callable[..., AbstractContextManager[Server]],
) -> None:
    with start_server(embed_origins=LISTED) as srv:
        api = Client(srv.url)
        run = api.start(scenario="hello-pipe")
        api.wait_ended(run["id"])
        embed = api.http.get(f"/embed/{run['id']}?seq=3")
        assert embed.status_code == 200 and "embed-page" in embed.text
        assert ancestors(embed.headers["content-security-policy"]) == (
            "frame-ancestors 'self' https://slides.example.org https://*.course.example "
            "http://localhost:8080"
        )
        assert "x-frame-options" not in embed.headers
        assert "script-src 'self';" in embed.headers["content-security-policy"]
        for path in ("/", f"/runs/{run['id']}", f"/api/runs/{run['id']}", "/docs"):
            headers = api.http.get(path).headers
            assert ancestors(headers["content-security-policy"]) == "frame-ancestors 'self'"
            assert headers["x-frame-options"] == "SAMEORIGIN", path
        api.http.close()


def test_unset_the_embed_may_be_framed_by_the_server_alone(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    api.wait_ended(run["id"])
    embed = api.http.get(f"/embed/{run['id']}")
    assert ancestors(embed.headers["content-security-policy"]) == "frame-ancestors 'self'"
    assert "x-frame-options" not in embed.headers


def test_an_embed_of_an_unknown_run_is_a_404_page(api: Client) -> None:
    answer = api.http.get("/embed/0123456789ab", headers={"accept": "text/html"})
    assert answer.status_code == 404 and "not-found" in answer.text

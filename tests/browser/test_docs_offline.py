"""/docs works on a machine with no internet: every request it makes goes to this server,
and Swagger UI renders the API's operations (a CDN page would stay blank here)."""

from __future__ import annotations

from playwright.sync_api import Page, Request, expect


def test_docs_render_with_no_request_leaving_the_server(page: Page, server: str) -> None:
    asked: list[str] = []

    def record(request: Request) -> None:
        asked.append(request.url)

    page.on("request", record)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    expect(
        page.locator(".opblock-summary-path", has_text="/api/runs/{run_id}/events")
    ).to_have_count(1)
    assert operations.count() >= 8
    assert asked and all(url.startswith(server) for url in asked), asked
    assert any(url.endswith("/openapi.json") for url in asked)
    assert not errors, errors  # a refused script or style shows as a console error

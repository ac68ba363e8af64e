"""Security headers on every response: what the browser may load, run and frame.

The pages need nothing but their own origin: scripts are ES modules under /static (the
`<script type="application/json">` blocks are data, which a policy does not govern), styles
are files, icons an SVG sprite. No page may be framed by another site (`frame-ancestors
'self'`, and `X-Frame-Options` for browsers that predate it), so none can be shown under a
foreign page's clicks. `/docs` is Swagger UI, served from this server's own files
(app/docs.py); it alone may use inline styles.

The embed page (`/embed/{id}`, app/pages.py) alone may be framed by other sites: those the
operator lists in `embed_origins`, and this server's own pages (same-origin pages can do
everything the embed can already). It has no run controls and sends no control request, so
a foreign page's clicks on it can only move a replay. It gets no `X-Frame-Options`, which
cannot name origins and would refuse them all.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGES_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)
# Swagger UI sets style attributes as it renders: /docs alone may have inline styles. Its
# scripts are files of this server, as the pages' are.
DOCS_CSP = PAGES_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
DOCS_PATHS = ("/docs",)
EMBED_PREFIX = "/embed/"

COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
NO_FRAMING = (b"x-frame-options", b"SAMEORIGIN")


def embed_policy(origins: Iterable[str]) -> str:
    """The pages' policy, with the origins (checked by app/config.py) that may frame it."""
    ancestors = " ".join(["'self'", *origins])
    return PAGES_CSP.replace("frame-ancestors 'self'", f"frame-ancestors {ancestors}")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, embed_origins: Iterable[str] = ()) -> None:
        self.app = app
        page = [*COMMON, NO_FRAMING, (b"content-security-policy", PAGES_CSP.encode())]
        docs = [*COMMON, NO_FRAMING, (b"content-security-policy", DOCS_CSP.encode())]
        embed = [*COMMON, (b"content-security-policy", embed_policy(embed_origins).encode())]
        self.headers = {"page": page, "docs": docs, "embed": embed}

    def kind(self, path: str) -> str:
        if path.startswith(EMBED_PREFIX):
            return "embed"
        return "docs" if path in DOCS_PATHS else "page"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ours = self.headers[self.kind(scope["path"])]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = list(message.get("headers", []))
                names = {name.lower() for name, _ in given}
                given += [(name, value) for name, value in ours if name not in names]
                message = {**message, "headers": given}
            await send(message)

        await self.app(scope, receive, send_with_headers)

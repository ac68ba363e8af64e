"""Security headers on every response: what the browser may load, run and frame.

The pages need nothing but their own origin: scripts are ES modules under /static (the
`<script type="application/json">` blocks are data, which a policy does not govern), styles
are files, icons an SVG sprite. No page may be framed by another site (`frame-ancestors`,
and `X-Frame-Options` for browsers that predate it), so none can be shown under a foreign
page's clicks. `/docs` is Swagger UI, served from this server's own files (app/docs.py); it
alone may use inline styles.
"""

from __future__ import annotations

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

COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CSP if scope["path"] in DOCS_PATHS else PAGES_CSP
        ours = [*COMMON, (b"content-security-policy", policy.encode())]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = list(message.get("headers", []))
                names = {name.lower() for name, _ in given}
                given += [(name, value) for name, value in ours if name not in names]
                message = {**message, "headers": given}
            await send(message)

        await self.app(scope, receive, send_with_headers)

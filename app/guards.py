"""What keeps other web sites from driving this server, as ASGI middleware and checks.

A page from any site can make a browser send requests here; what it cannot do is choose the
`Host` a browser sends for its own origin (so a name that resolves here by DNS rebinding is
refused), send `application/json` cross-site without a CORS preflight this server never
answers, or read the answers. So:

- `HostGuard`: only the names this server is known by (http and WebSocket alike);
- `JsonOnly`: whatever changes state (POST, PUT, PATCH, DELETE) is `application/json`;
- `BodyLimit`: a body larger than `max_body_kb` is refused before anything parses it (one
  path, a run's import, may be larger: up to `max_import_mb`, and no further);
- `origin_allowed`: a WebSocket opened by a page of another origin (scheme, host and port)
  is refused, unless that origin is configured;
- `navigated_from_here`: a run page starts a run by itself (`?autorun=1`) only when the
  browser says the navigation came from this origin or from the user (typed, bookmarked).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK = ("127.0.0.1", "localhost", "::1")
ANY_ADDRESS = ("0.0.0.0", "::", "")
DEFAULT_PORTS = {"http": 80, "https": 443}
WS_SCHEMES = {"ws": "http", "wss": "https"}
CHANGES_STATE = ("POST", "PUT", "PATCH", "DELETE")
_HOST = re.compile(r"(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<name>[^:\[\]/@\s]+))(?::(?P<port>\d{1,5}))?")

Origin = tuple[str, str, int]  # scheme, host, port


def refusal(status: int, error: str, field: str | None, **headers: str) -> JSONResponse:
    """Our error shape, for refusals made before any route is reached."""
    return JSONResponse({"error": error, "field": field}, status_code=status, headers=headers)


# -- names and origins ---------------------------------------------------------------------
def split_host(value: str | None) -> tuple[str, int | None] | None:
    """A Host header's name (lower case, IPv6 without brackets) and port; None if malformed."""
    match = _HOST.fullmatch((value or "").strip().lower())
    if match is None:
        return None
    port = match["port"]
    return match["v6"] or match["name"], int(port) if port else None


def allowed_hosts(bind: str, configured: Iterable[str]) -> set[str]:
    names = set(LOOPBACK) | {name.strip().lower().strip("[]") for name in configured}
    if bind not in ANY_ADDRESS:
        names.add(bind.lower().strip("[]"))
    return names


def parse_origin(url: str) -> Origin | None:
    """An origin's (scheme, host, port), the default port filled in; None if it is not one
    (`null`, from a sandboxed frame or a file, is not)."""
    try:
        parts = urlsplit(url.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def own_origin(scheme: str, host: str | None) -> Origin | None:
    """This server's origin as the request reached it: its scheme (ws -> http) and Host."""
    scheme = WS_SCHEMES.get(scheme, scheme)
    found = split_host(host)
    if found is None or scheme not in DEFAULT_PORTS:
        return None
    name, port = found
    return scheme, name, port or DEFAULT_PORTS[scheme]


def origin_allowed(origin: str | None, scheme: str, host: str | None, allowed: list[str]) -> bool:
    """May a page of `origin` open the WebSocket? Same origin, or one configured. A client
    that sends no Origin is not a browser (a browser always sends one), and may."""
    if origin is None:
        return True
    if "*" in allowed:
        return True
    theirs = parse_origin(origin)
    if theirs is None:
        return False
    return theirs == own_origin(scheme, host) or theirs in {parse_origin(a) for a in allowed}


def navigated_from_here(headers: Headers, scheme: str) -> bool:
    """Did the user, or a page of this origin, ask for this page (not another site)?

    `Sec-Fetch-Site` says so in every current browser, but only to secure contexts (https
    or loopback); without it, a same-origin `Referer` (which our Referrer-Policy sends only
    to ourselves) will do. Neither: we cannot tell, so no."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    referer = parse_origin(headers.get("referer", ""))
    return referer is not None and referer == own_origin(scheme, headers.get("host"))


# -- middleware ----------------------------------------------------------------------------
class HostGuard:
    """Starlette's TrustedHostMiddleware, with our error shape and no www. redirect."""

    def __init__(self, app: ASGIApp, hosts: set[str]) -> None:
        self.app, self.hosts = app, hosts
        self.domains = tuple(h[1:] for h in hosts if h.startswith("*."))  # "*.lab.example"

    def serves(self, name: str) -> bool:
        return name in self.hosts or name.endswith(self.domains)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and "*" not in self.hosts:
            host = Headers(scope=scope).get("host")
            found = split_host(host)
            if found is None or not self.serves(found[0]):
                error = (
                    f"this server does not answer to the host {host!r}; if that is its name, "
                    "add it to PIPESCOPE_ALLOWED_HOSTS"
                )
                await refusal(400, error, "Host")(scope, receive, send)
                return
        await self.app(scope, receive, send)


class JsonOnly:
    """A request that changes state says it is JSON, so that no page of another site can send
    it without a preflight (a `text/plain` form or fetch needs none). An empty POST too; a
    DELETE may have no body and no type, as a browser cannot send one cross-site unasked."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "")
        if scope["type"] == "http" and method in CHANGES_STATE:
            given = Headers(scope=scope).get("content-type")
            kind = (given or "").split(";")[0].strip().lower()
            if kind != "application/json" and not (method == "DELETE" and given is None):
                said = f"{given!r}" if given else "no content type"
                error = (
                    f"{method} {scope['path']} takes application/json only, not {said}; send "
                    "the header Content-Type: application/json (with an empty body if there is "
                    "nothing to say)"
                )
                await refusal(415, error, "Content-Type")(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse a body past `limit` bytes with 413, from its Content-Length or, when it comes
    in chunks, as soon as it has grown past it; either way before anything parses it.
    `larger` names the POST paths that may take more, each with its own cap and setting."""

    def __init__(
        self, app: ASGIApp, limit: int, larger: dict[str, tuple[int, str]] | None = None
    ) -> None:
        self.app, self.limit, self.larger = app, limit, larger or {}

    def cap(self, scope: Scope) -> tuple[int, str]:
        if scope.get("method") == "POST" and scope["path"] in self.larger:
            return self.larger[scope["path"]]
        return self.limit, "PIPESCOPE_MAX_BODY_KB"

    def too_big(self, size: str, limit: int, setting: str) -> JSONResponse:
        most = f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit >> 10} KiB"
        error = (
            f"the request body is {size} bytes, more than the {most} this server takes "
            f"({setting}); send less"
        )
        return refusal(413, error, None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = self.cap(scope)
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await self.too_big(length, limit, setting)(scope, receive, send)
            return
        body: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left
                return
            body.append(message.get("body", b""))
            size += len(body[-1])
            more = message.get("more_body", False)
            if size > limit:
                await self.too_big(f"over {size}", limit, setting)(scope, receive, send)
                return
        whole = b"".join(body)
        body.clear()  # one copy of a large body (an import's), not two
        await self.app(scope, _replay(whole, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read already, then whatever else comes (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed

"""Attacks a web page or a careless client can make on the service, against a real server:
another Host (DNS rebinding), another Origin, framing, cross-site form posts, huge bodies,
huge or deeply nested WebSocket messages."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from service_client import Client
from websockets.exceptions import InvalidStatus

HELLO = {"scenario": "hello-pipe", "mode": "step"}
JSON = {"content-type": "application/json"}


def raw(url: str, request: bytes) -> bytes:
    """Send bytes as they are (a Host no client library would let us choose); the answer's
    head and body."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        length = next(
            (
                int(h.split(b":")[1])
                for h in head.lower().split(b"\r\n")
                if h.startswith(b"content-length")
            ),
            0,
        )
        while len(body) < length and (chunk := sock.recv(65536)):
            body += chunk
    return head + b"\r\n\r\n" + body


def upgrade(path: str, host: str, origin: str | None = None) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ] + ([f"Origin: {origin}"] if origin else [])
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "field"}, body
    return body


# -- Host ------------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example"])
def test_a_host_the_server_is_not_known_by_gets_400(api: Client, host: str) -> None:
    body = error_of(api.http.get("/healthz", headers={"host": host}), 400)
    assert body["field"] == "Host" and "PIPESCOPE_ALLOWED_HOSTS" in body["error"]
    assert error_of(api.http.post("/api/runs", json=HELLO, headers={"host": host}), 400)


def test_loopback_names_are_served(api: Client) -> None:
    port = api.url.rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "LOCALHOST"):
        assert api.http.get("/healthz", headers={"host": host}).status_code == 200, host


def test_the_websocket_checks_the_host_too(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    refused = raw(api.url, upgrade(run["ws"], "evil.example"))
    assert refused.startswith(b"HTTP/1.1 400"), refused
    assert b"PIPESCOPE_ALLOWED_HOSTS" in refused
    port = api.url.rsplit(":", 1)[1]
    assert raw(api.url, upgrade(run["ws"], f"localhost:{port}")).startswith(b"HTTP/1.1 101")


def test_allowed_hosts_are_served(start_server: Any) -> None:
    with start_server(allowed_hosts="pipes.example, *.lab.example") as srv:
        http = httpx.Client(base_url=srv.url)
        for host, status in [
            ("pipes.example", 200),
            ("a.lab.example:8000", 200),
            ("lab.example.evil", 400),
            ("evil.example", 400),
        ]:
            assert http.get("/healthz", headers={"host": host}).status_code == status, host
        http.close()


# -- Origin ----------------------------------------------------------------------------------
def test_an_origin_must_match_in_scheme_host_and_port(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    port = int(api.url.rsplit(":", 1)[1])
    for origin in (
        f"https://127.0.0.1:{port}",  # same host and port, another scheme
        f"http://127.0.0.1:{port + 1}",
        f"http://localhost.evil:{port}",
        "http://127.0.0.1",
        "null",  # a sandboxed frame, a file
    ):
        with pytest.raises(InvalidStatus) as refused, api.watch(run, origin=origin):
            pass
        assert refused.value.response.status_code == 403, origin
    with api.watch(run, origin=f"http://127.0.0.1:{port}") as viewer:
        assert viewer.rest()[-1]["type"] == "run.end"


# -- headers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/", "/run/hello-pipe", "/api/scenarios", "/static/js/run-page.js", "/nope"]
)
def test_every_answer_says_what_may_load_and_frame_it(api: Client, path: str) -> None:
    headers = api.http.get(path).headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy
    assert "unsafe-inline" not in policy and "http" not in policy  # nothing from elsewhere
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "SAMEORIGIN"


def test_docs_load_nothing_from_elsewhere(api: Client) -> None:
    """/docs is Swagger UI from this server's own files: no CDN, no inline script."""
    policy = api.http.get("/docs").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "http" not in policy
    assert "frame-ancestors 'self'" in policy
    refused = api.http.get("/healthz", headers={"host": "evil.example"})
    assert refused.headers["x-frame-options"] == "SAMEORIGIN"  # on refusals too


# -- content type ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_what_changes_state_is_json_only(api: Client, content_type: str | None) -> None:
    """What a cross-site form or a fetch without preflight can send is refused: 415."""
    run = api.start(**HELLO)
    auth = {"authorization": f"Bearer {run['control_token']}"}
    headers = auth | ({"content-type": content_type} if content_type else {})
    base = f"/api/runs/{run['id']}"
    body = json.dumps(HELLO).encode()
    for path, content in [("/api/runs", body), (base + "/step", b""), (base + "/play", b"{}")]:
        refused = error_of(api.http.post(path, content=content, headers=headers), 415)
        assert refused["field"] == "Content-Type"
        assert "application/json" in refused["error"]
        assert (content_type or "no content type") in refused["error"]
    if content_type:  # a DELETE with no body needs no type: no browser sends one unasked
        assert error_of(api.http.request("DELETE", base, headers=headers), 415)
    assert not [e for e in api.events(run["id"]) if e["type"] == "call.enter"]  # not stepped
    # Declared as JSON, an empty body is an ordinary step, as a script of the user's sends it.
    assert api.http.post(base + "/step", content=b"", headers=auth | JSON).status_code == 202
    api.wait_for(run["id"], lambda e: e["type"] == "call.enter")
    assert api.control(run, "kill").status_code == 202


def test_json_with_a_charset_is_json(api: Client) -> None:
    created = api.http.post(
        "/api/runs",
        content=json.dumps({"scenario": "hello-pipe"}).encode(),
        headers={"content-type": "Application/JSON; charset=utf-8"},
    )
    assert created.status_code == 201, created.text


# -- body size -------------------------------------------------------------------------------
def chunks(total: int) -> Iterator[bytes]:
    yield b'{"scenario": "hello-pipe", "pad": "'
    for _ in range(total // 4096):
        yield b"x" * 4096
    yield b'"}'


def test_a_body_past_the_cap_is_413_before_it_is_parsed(api: Client) -> None:
    big = b'{"scenario": "hello-pipe"}' + b" " * (70 << 10)
    said = error_of(api.http.post("/api/runs", content=big, headers=JSON), 413)
    assert "64 KiB" in said["error"] and "PIPESCOPE_MAX_BODY_KB" in said["error"]
    # In chunks, with no Content-Length: refused as soon as it has grown past the cap.
    streamed = api.http.post("/api/runs", content=chunks(1 << 20), headers=JSON)
    assert error_of(streamed, 413)
    # Under the cap, whitespace and all, it is an ordinary body.
    fits = b'{"scenario": "hello-pipe"}' + b" " * (60 << 10)
    assert api.http.post("/api/runs", content=fits, headers=JSON).status_code == 201


def test_the_cap_is_a_setting(start_server: Any) -> None:
    with start_server(max_body_kb=1) as srv:
        http = httpx.Client(base_url=srv.url)
        body = {"scenario": "hello-pipe", "params": {}, "mode": "live"}
        assert http.post("/api/runs", json=body).status_code == 201
        said = http.post("/api/runs", json=body | {"pad": "x" * 2000}).json()
        assert "1 KiB" in said["error"]
        http.close()


def test_deeply_nested_json_is_a_4xx_not_a_500(api: Client) -> None:
    deep = '{"scenario": "hello-pipe", "params": {"x": ' + "[" * 30000 + "]" * 30000 + "}}"
    response = api.http.post("/api/runs", content=deep.encode(), headers=JSON)
    assert response.status_code == 400, response.text
    assert "nested too deeply" in response.json()["error"]  # not FastAPI's bare words


# -- WebSocket messages ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("[" * 30000 + "]" * 30000, "nested too deeply"),  # json.loads: RecursionError
        ("[" * 100_000 + "]" * 100_000, "more than the 64 KiB"),
        (json.dumps({"op": "step", "pad": "x" * 500_000}), "more than the 64 KiB"),
    ],
)
def test_a_huge_or_deep_message_gets_an_error_and_the_socket_stays(
    api: Client, message: str, words: str
) -> None:
    run = api.start(**HELLO)
    with api.watch(run) as viewer:
        viewer.until(lambda e: e["type"] == "proc.start")
        viewer.send(message)
        reply = viewer.next()
        assert set(reply) == {"error", "field"} and words in reply["error"], reply
        viewer.send({"op": "play", "interval_ms": 0})  # the same socket still drives the run
        assert viewer.rest()[-1]["reason"] == "exited"


def test_servers_see_the_peer_not_a_forwarded_for(start_server: Any) -> None:
    """X-Forwarded-For is not believed: one client cannot pass for many."""
    with start_server(max_runs_per_client=1) as srv:
        client = Client(srv.url)
        client.start(**HELLO)
        spoofed = client.http.post("/api/runs", json=HELLO, headers={"x-forwarded-for": "10.9.8.7"})
        assert spoofed.status_code == 429, spoofed.text
        client.http.close()

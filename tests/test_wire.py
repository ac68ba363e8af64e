"""Frames shared between viewers (app/wire.py, PIPESCOPE_WS_SHARED_FRAMES): the same bytes for
the same message on every connection compressed without a kept context, never on one that
keeps it; the server asks for that when the setting says so, and only then."""

from __future__ import annotations

import json
from typing import Any

from service_client import Client
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode
from websockets.protocol import OPEN
from websockets.sync.client import connect

from app.wire import FRAMES, MOST_FRAMES, SharingServerProtocol

EVENT = json.dumps({"v": 1, "seq": 7, "type": "call.enter", "data": "hello pipe\n" * 40})


def opened(no_context_takeover: bool) -> SharingServerProtocol:
    conn = SharingServerProtocol()
    conn.extensions = [PerMessageDeflate(False, no_context_takeover, 12, 12, {"memLevel": 5})]
    conn.state = OPEN
    return conn


def sent(conn: SharingServerProtocol, text: str) -> bytes:
    conn.send_text(text.encode())
    return b"".join(conn.data_to_send())


def decoded(frame: bytes) -> str:
    reader = PerMessageDeflate(True, False, 12, 12)  # a client's side of the same parameters
    head, payload = frame[:2], frame[2:]
    if payload[:1] and head[1] & 0x7F == 126:
        payload = payload[2:]
    message = Frame(Opcode.TEXT, payload, True, rsv1=bool(head[0] & 0x40))
    return reader.decode(message).data.decode()


def test_the_same_message_is_the_same_frame_on_every_sharing_connection() -> None:
    first, second = opened(True), opened(True)
    once = sent(first, EVENT)
    assert sent(second, "another message first") != once
    assert sent(second, EVENT) == once  # its history changes nothing
    assert decoded(once) == EVENT and len(once) < len(EVENT) / 4  # compressed, and readable


def test_a_connection_that_keeps_its_context_is_never_shared() -> None:
    keeping = opened(False)
    before = len(FRAMES.made)
    one, two = sent(keeping, EVENT), sent(keeping, EVENT)
    assert one != two  # the second refers to the first: only this connection can read it
    assert len(FRAMES.made) == before


def test_the_frames_kept_are_bounded() -> None:
    conn = opened(True)
    for n in range(MOST_FRAMES * 2):
        sent(conn, f"{EVENT}{n}")
    assert len(FRAMES.made) <= MOST_FRAMES


def test_shared_frames_compress_every_message_on_its_own_and_plain_clients_get_plain_text(
    start_server: Any,
) -> None:
    with start_server(ws_shared_frames=True) as srv:
        api = Client(srv.url)
        run = api.start(scenario="hello-pipe")
        url = srv.ws_url + run["ws"]
        with connect(url, max_size=None) as ws:  # offers permessage-deflate, as browsers do
            said = ws.response.headers["Sec-WebSocket-Extensions"]
            assert "permessage-deflate" in said and "server_no_context_takeover" in said
            first = events(ws.recv(timeout=20))[0]
        with connect(url, max_size=None, compression=None) as ws:
            assert "Sec-WebSocket-Extensions" not in ws.response.headers
            assert events(ws.recv(timeout=20))[0] == first and first["type"] == "run.start"
        api.http.close()


def test_by_default_each_socket_keeps_its_compression_context(api: Client) -> None:
    run = api.start(scenario="hello-pipe")
    with connect("ws" + api.url.removeprefix("http") + run["ws"], max_size=None) as ws:
        said = ws.response.headers["Sec-WebSocket-Extensions"]
        assert "permessage-deflate" in said and "server_no_context_takeover" not in said


def events(message: str | bytes) -> list[dict[str, object]]:
    data = json.loads(message)
    return data if isinstance(data, list) else [data]

"""uvicorn's WebSocket protocol, with a message pushed without a wait, and frames shared.

Push: a viewer at the head of a run's trace is handed each new event by the trace itself, in
a loop over the class (app/runs/fanout.py). An ASGI send is an await that may wait for the
socket; so the protocol offers the app, in the scope's extensions (`PUSH`), a call that
writes a message to the socket's buffer now, or says it cannot (the buffer is past its high
mark, the socket closing), and the app then awaits its send as before.

Shared frames: each message's frame made once for every viewer of the same message.

A class of 500 gets each event 500 times, and compressing it (permessage-deflate) was a fifth
of the server's time under py-spy (BENCHMARKS.md). Compressed with a context of its own,
which the server may always ask for (`server_no_context_takeover`, RFC 7692 §7.1.1.1), a
message makes the same bytes on every connection that negotiated the same parameters, so the
frame is made once and its bytes reused: a server's frames are not masked. What a client
sends and how it is read do not change; nor does anything for a client without compression.

The price is compression: an event alone compresses 4 times, after the one before it 10 to
20 times (a state is much like the last), so the network carries 2.5 to 5 times the bytes.
So it is a setting, `PIPESCOPE_WS_SHARED_FRAMES`, for a class that costs more CPU than it
does network.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import OPEN
from websockets.server import ServerProtocol

PUSH = "pipescope.push"  # the scope's extension: its value, `push(text) -> bool`
MOST_FRAMES = 256  # the latest messages: what viewers at the same place are sent now
MOST_BYTES = 16 << 20


class Frames:
    """The latest frames made, by (payload, how it was compressed): bounded in count and size."""

    def __init__(self) -> None:
        self.made: OrderedDict[tuple[bytes, tuple[Any, ...]], bytes] = OrderedDict()
        self.size = 0

    def get(self, key: tuple[bytes, tuple[Any, ...]]) -> bytes | None:
        return self.made.get(key)

    def keep(self, key: tuple[bytes, tuple[Any, ...]], frame: bytes) -> None:
        self.made[key] = frame
        self.size += len(key[0]) + len(frame)
        while len(self.made) > MOST_FRAMES or self.size > MOST_BYTES:
            (data, _), old = self.made.popitem(last=False)
            self.size -= len(data) + len(old)


FRAMES = Frames()


class SharingServerProtocol(ServerProtocol):
    def send_text(self, data: Any, fin: bool = True) -> None:
        how = self._sharing()
        if not fin or how is None or self.expect_continuation_frame or self._state is not OPEN:
            super().send_text(data, fin)
            return
        key = (bytes(data), how)
        frame = FRAMES.get(key)
        if frame is None:
            frame = Frame(Opcode.TEXT, data, True).serialize(mask=False, extensions=self.extensions)
            FRAMES.keep(key, frame)
        self.writes.append(frame)

    def _sharing(self) -> tuple[Any, ...] | None:
        """How this connection's frames are made, when they are the same as any other's made
        that way; None when they depend on its history (a compression context kept)."""
        how: list[Any] = []
        for extension in self.extensions:
            if not isinstance(extension, PerMessageDeflate):
                return None
            if not extension.local_no_context_takeover:
                return None
            how.append(
                (
                    extension.local_max_window_bits,
                    tuple(sorted((extension.compress_settings or {}).items())),
                )
            )
        return tuple(how)


class PushingProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol, with `push` offered to the app."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        self.scope["extensions"][PUSH] = self.push  # type: ignore[assignment]

    def push(self, text: str) -> bool:
        """Send a text message now, as `send` would once the socket is writable: False,
        and nothing sent, when it cannot go at once."""
        if not self.handshake_complete or self.close_sent or self.disconnected:
            return False
        if not self.writable.is_set() or self.transport.is_closing():
            return False
        try:
            self.conn.send_text(text.encode())
        except InvalidState:
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True


class SharedFramesProtocol(PushingProtocol):
    """The pushing protocol, with frames shared between connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        extensions = []
        if self.config.ws_per_message_deflate:
            extensions = [
                ServerPerMessageDeflateFactory(
                    server_max_window_bits=12,
                    client_max_window_bits=12,
                    server_no_context_takeover=True,
                    compress_settings={"memLevel": 5},
                )
            ]
        self.conn = SharingServerProtocol(
            extensions=extensions,
            max_size=self.config.ws_max_size,
            logger=logging.getLogger("uvicorn.error"),
        )

"""A watch link's WebSocket with next to no client-side cost, for a class of 1,000 in one
process: a browser reads its socket in native code on a machine of its own, and the figures
are about the server. It asks for what a browser asks (`permessage-deflate;
client_max_window_bits`), so the server compresses as it would for a class of browsers;
it reads frames with an asyncio Protocol and zlib, and timestamps a message when its bytes
come, not when a busy loop gets round to it.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import struct
import time
import zlib
from collections.abc import Callable

TAIL = b"\x00\x00\xff\xff"  # RFC 7692 §7.2.2: what the sender took off each message's end
WINDOW = re.compile(rb"server_max_window_bits=(\d+)")


class LeanWatcher(asyncio.Protocol):
    """One watcher: calls `message(text, when)` for each text message it is sent."""

    def __init__(self, host: str, path: str, message: Callable[[str, float], None]) -> None:
        self.host, self.path, self.message = host, path, message
        self.buffer = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        self.inflate: zlib._Decompress | None = None
        self.parts: list[bytes] = []
        self.compressed = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        when = time.perf_counter()
        self.buffer += data
        if not self.upgraded.done():
            head, found, self.buffer = self.buffer.partition(b"\r\n\r\n")
            if not found:
                self.buffer = head
                return
            assert head.startswith(b"HTTP/1.1 101"), head
            if b"permessage-deflate" in head.lower():
                bits = WINDOW.search(head.lower())
                self.inflate = zlib.decompressobj(-int(bits[1]) if bits else -15)
            self.upgraded.set_result(None)
        while (frame := self.next_frame()) is not None:
            self.take(*frame, when)

    def next_frame(self) -> tuple[int, bytes] | None:
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        first, length, start = buffer[0], buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                return None
            length, start = struct.unpack_from("!H", buffer, 2)[0], 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
        if len(buffer) < start + length:
            return None
        self.buffer = buffer[start + length :]
        if first & 0x40:
            self.compressed = True  # RSV1 on a message's first frame: deflated
        return first, buffer[start : start + length]

    def take(self, first: int, payload: bytes, when: float) -> None:
        opcode = first & 0x0F
        if opcode == 0x9:  # ping: a pong goes back, masked as a client's frames are
            self.send_frame(0xA, payload)
            return
        if opcode not in (0x0, 0x1):
            return  # close, pong or binary: a watcher reads text
        self.parts.append(payload)
        if not first & 0x80:
            return
        data, self.parts = b"".join(self.parts), []
        if self.compressed and self.inflate is not None:
            data = self.inflate.decompress(data + TAIL)
        self.compressed = False
        self.message(data.decode(), when)

    def send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self.transport is not None and len(payload) < 126
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.send_frame(0x8, struct.pack("!H", 1000))
            self.transport.close()


async def lean_watcher(url: str, message: Callable[[str, float], None]) -> LeanWatcher:
    """Open a watcher on `ws://host:port/path`, once the server has upgraded it."""
    host_port, _, path = url.removeprefix("ws://").partition("/")
    host, port = host_port.rsplit(":", 1)
    loop = asyncio.get_running_loop()
    _, watcher = await loop.create_connection(
        lambda: LeanWatcher(host_port, "/" + path, message), host, int(port)
    )
    await watcher.upgraded
    return watcher

"""What the benchmarks share: a real server (the tests' launcher), lean clients, figures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import platform
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from service_client import Server, serve  # noqa: E402

__all__ = ["Http", "Server", "events_of", "machine", "percentile", "rss_kib", "server"]


@contextlib.contextmanager
def server(**settings: Any) -> Iterator[Server]:
    with tempfile.TemporaryDirectory() as logs, serve(Path(logs), **settings) as srv:
        yield srv


class Http:
    """HTTP/1.1 on one kept-alive connection, with next to no client-side cost: a browser's
    fetch is native code, and these figures are about the server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, srv: Server) -> Http:
        host, port = srv.url.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        host = self.writer.get_extra_info("peername")
        head = f"{method} {path} HTTP/1.1\r\nHost: {host[0]}:{host[1]}\r\n"
        head += "Content-Type: application/json\r\n"
        self.writer.write(f"{head}Content-Length: {len(data)}\r\n\r\n".encode() + data)
        headers = (await self.reader.readuntil(b"\r\n\r\n")).decode().lower().split("\r\n")
        length = next(int(h.split(":")[1]) for h in headers if h.startswith("content-length"))
        return json.loads(await self.reader.readexactly(length))

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self.request("POST", path, body)

    async def get(self, path: str) -> Any:
        return await self.request("GET", path)

    def close(self) -> None:
        self.writer.close()


def events_of(message: str | bytes) -> list[dict[str, Any]]:
    data = json.loads(message)
    return data if isinstance(data, list) else [data]


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """Resident memory of pid, or its peak so far with field="VmHWM"."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
    cores = sum(line.startswith("processor") for line in cpuinfo)
    load = Path("/proc/loadavg").read_text().split()[0]
    return (
        f"{cpu}, {cores} cores, Linux {platform.release()}, Python {platform.python_version()}, "
        f"load average {load} when it ran"
    )

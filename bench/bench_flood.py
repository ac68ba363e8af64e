"""A writer floods a pipe (write 1 byte, 10,000 times; a reader reads until EOF): events per
second through the server to one viewer, and the server's peak memory meanwhile.

Each pass runs on a fresh server, so the peak RSS (VmHWM) is that pass's alone:
- live viewer: reads as the run goes (the runner sets the pace);
- stalled viewer: reads nothing until the run has ended, then everything;
- replay: a new viewer of the finished run reads it all (the server alone sets the pace).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from _service import Http, Server, events_of, machine, rss_kib, server
from websockets.asyncio.client import ClientConnection, connect

from app.schemas import flood_program

WRITES = 10_000


async def read_all(ws: ClientConnection) -> tuple[int, int, float]:
    """(events, characters, seconds from the first message to the last) until closed."""
    count = chars = 0
    first = last = 0.0
    async for message in ws:
        last = time.perf_counter()
        first = first or last
        count += len(events_of(message))
        chars += len(message)
    return count, chars, last - first


async def watch_rss(pid: int, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_kib(pid))
        await asyncio.sleep(0.02)


async def flood(srv: Server, stalled: bool) -> dict[str, Any]:
    http = await Http.open(srv)
    base = rss_kib(srv.pid)
    peak, stop = [base], asyncio.Event()
    watcher = asyncio.create_task(watch_rss(srv.pid, peak, stop))
    run = await http.post("/api/runs", {"program": flood_program(WRITES)})
    async with connect(srv.ws_url + run["ws"], max_size=None) as ws:
        t0 = time.perf_counter()
        while stalled and (await http.get(f"/api/runs/{run['id']}"))["status"] != "ended":
            await asyncio.sleep(0.1)
        count, chars, span = await read_all(ws)
    stop.set()
    await watcher
    http = await Http.open(srv)  # the first one idled past the server's keep-alive
    info = await http.get(f"/api/runs/{run['id']}")
    http.close()
    return {
        "id": run["id"],
        "events": count,
        "chars": chars,
        "rate": count / (time.perf_counter() - t0 if stalled else span),
        "end": info["end"]["reason"],
        "base": base,
        "peak": max(peak[0], rss_kib(srv.pid, "VmHWM")),
    }


async def replay(srv: Server, run_id: str) -> tuple[int, int, float]:
    async with connect(f"{srv.ws_url}/ws/runs/{run_id}", max_size=None) as ws:
        t0 = time.perf_counter()
        count, chars, _ = await read_all(ws)
        return count, chars, time.perf_counter() - t0


async def main() -> None:
    print(f"machine: {machine()}")
    print(f"program: write 1 byte x {WRITES} into a pipe, a reader reading (live mode)")
    for stalled in (False, True):
        with server() as srv:
            r = await flood(srv, stalled)
            print(
                f"{'stalled' if stalled else 'live'} viewer: {r['events']} events "
                f"({r['chars'] / 1e6:.1f} MB of JSON), the run ended by {r['end']}; "
                f"{r['rate']:.0f} events/s to the viewer; server RSS "
                f"{r['base'] / 1024:.0f} MiB before, peak {r['peak'] / 1024:.0f} MiB"
            )
            if not stalled:
                count, chars, took = await replay(srv, r["id"])
                print(
                    f"replay of that run to a new viewer: {count} events in {took:.2f} s = "
                    f"{count / took:.0f} events/s, {chars / took / 1e6:.0f} MB/s"
                )


if __name__ == "__main__":
    asyncio.run(main())

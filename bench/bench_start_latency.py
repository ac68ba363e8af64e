"""Time from POST /api/runs to the run's first event on its WebSocket, and to its first
process (`proc.start`: inside the sandbox, ready for its first call), over 200 runs.

Each run: POST on a kept-alive connection, open the WebSocket the reply names, take the first
message; then the run goes to its end before the next one starts.
"""

from __future__ import annotations

import asyncio
import time

from _service import Http, events_of, machine, percentile, server
from websockets.asyncio.client import connect

RUNS = 200
WARM = 10  # first-use imports and caches in the server


async def one_run(http: Http, ws_base: str) -> tuple[float, float, float, float]:
    """Milliseconds from the POST to: its 201, the WebSocket open, the first event, the
    first process."""
    t0 = time.perf_counter()
    run = await http.post("/api/runs", {"scenario": "hello-pipe"})
    t1 = time.perf_counter()
    async with connect(ws_base + run["ws"]) as ws:
        t2 = time.perf_counter()
        events = events_of(await ws.recv())
        t3 = time.perf_counter()
        assert events[0]["seq"] == 0 and events[0]["type"] == "run.start"
        while not any(e["type"] == "proc.start" for e in events):
            events = events_of(await ws.recv())
        t4 = time.perf_counter()
        async for _ in ws:  # the server closes it after run.end
            pass
    return (t1 - t0) * 1000, (t2 - t0) * 1000, (t3 - t0) * 1000, (t4 - t0) * 1000


async def main() -> None:
    with server() as srv:
        http = await Http.open(srv)
        times = [await one_run(http, srv.ws_url) for _ in range(WARM + RUNS)][WARM:]
        http.close()
    print(f"machine: {machine()}")
    print(f"runs: {RUNS} hello-pipe runs, live, one after another")
    for name, values in (
        ("POST /api/runs -> 201", [t[0] for t in times]),
        ("POST /api/runs -> WebSocket open", [t[1] for t in times]),
        ("POST /api/runs -> first event on the WebSocket", [t[2] for t in times]),
        ("POST /api/runs -> first process (proc.start)", [t[3] for t in times]),
    ):
        print(
            f"{name}: p50 {percentile(values, 50):.2f} ms, p99 {percentile(values, 99):.2f} ms, "
            f"max {max(values):.2f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())

"""The server's memory through eight runs of `yes` printing to the terminal, and after the
finished runs are evicted; and what one such run records per event.

Each run is a composed program whose one process execs `yes` with its stdout on the run's
terminal: the heaviest output a run can make. Eight start at once over REST (no viewer, so
each runs to its own limits; the wall time is a minute here, so that on a busy machine too
they end by their events or recording size, not by time), then the server's RSS (VmRSS of the
`python -m app` process) is read before, at its peak (sampled, and VmHWM), once they have all
ended, and once the server has evicted them (`PIPESCOPE_KEEP_FINISHED_S` is short here). Then
one more run is read over the WebSocket to count what it recorded. `PIPESCOPE_*` variables
set for this script are passed to its server.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from _service import Http, Server, events_of, machine, rss_kib, server
from websockets.asyncio.client import connect

RUNS = 8
KEEP_FINISHED_S = 8
WALL_S = 60
DROPPED = {"reason": "?", "message": "dropped by the server before this script saw its end"}
YES = {"program": {"procs": {"p": [{"op": "exec", "argv": ["yes"]}]}}}


async def sample_peak(pid: int, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_kib(pid))
        await asyncio.sleep(0.02)


async def status(http: Http, run_id: str) -> dict[str, Any]:
    info: dict[str, Any] = await http.get(f"/api/runs/{run_id}")
    return info


async def eight_runs(srv: Server) -> dict[str, Any]:
    http = await Http.open(srv)
    before = rss_kib(srv.pid)
    peak, stop = [before], asyncio.Event()
    sampler = asyncio.create_task(sample_peak(srv.pid, peak, stop))
    t0 = time.monotonic()
    ids = [(await http.post("/api/runs", YES))["id"] for _ in range(RUNS)]
    infos: dict[str, dict[str, Any]] = {}
    while len(infos) < len(ids) or any(i["status"] != "ended" for i in infos.values()):
        for run_id in ids:
            info = await status(http, run_id)
            if "status" in info:
                infos[run_id] = info
            elif run_id not in infos:  # ended, and dropped before we saw it end
                infos[run_id] = {"status": "ended", "counts": {"events": "?"}, "end": DROPPED}
            else:  # ended and dropped since
                infos[run_id] |= {"status": "ended", "end": infos[run_id]["end"] or DROPPED}
        await asyncio.sleep(0.1)
    ran_s = time.monotonic() - t0
    await asyncio.sleep(0.5)  # the last one's supervisor reaped, its socket closed
    ended = rss_kib(srv.pid)
    stop.set()
    await sampler
    top = max(peak[0], rss_kib(srv.pid, "VmHWM"))
    for run_id in ids:
        while (await http.request("GET", f"/api/runs/{run_id}")).get("id") == run_id:
            await asyncio.sleep(0.25)  # 404 once the server has dropped it
    await asyncio.sleep(0.5)  # the sweep that dropped the last one is over
    evicted = rss_kib(srv.pid)
    health = await http.get("/healthz")
    http.close()
    return {
        "before": before,
        "peak": top,
        "ended": ended,
        "evicted": evicted,
        "ran_s": ran_s,
        "events": [info["counts"]["events"] for info in infos.values()],
        "ends": sorted({f"{i['end']['reason']}: {i['end']['message']}" for i in infos.values()}),
        "runs_left": health["runs"],
    }


async def one_run_recorded(srv: Server) -> dict[str, Any]:
    """One more run, read whole over the WebSocket: its events and bytes."""
    http = await Http.open(srv)
    run = await http.post("/api/runs", YES)
    count = size = 0
    last: dict[str, Any] = {}
    async with connect(srv.ws_url + run["ws"], max_size=None) as ws:
        async for message in ws:
            events = events_of(message)
            count += len(events)
            size += len(message) - (len(events) + 1 if message.startswith("[") else 0)
            last = events[-1]
    http.close()
    return {"events": count, "bytes": size, "end": last.get("reason"), "state": last["state"]}


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


async def main() -> None:
    print(f"machine: {machine()}")
    print(f"program: {RUNS} runs at once of {YES}, live mode, no viewer")
    settings: dict[str, Any] = {"keep_finished_s": KEEP_FINISHED_S, "wall_s": WALL_S}
    settings |= {k[10:].lower(): v for k, v in os.environ.items() if k.startswith("PIPESCOPE_")}
    with server(**settings) as srv:
        r = await eight_runs(srv)
        print(f"the {RUNS} runs took {r['ran_s']:.1f} s; events each: {r['events']}")
        for end in r["ends"]:
            print(f"  they ended: {end}")
        print(
            f"server RSS: {mib(r['before'])} before, peak {mib(r['peak'])}, "
            f"{mib(r['ended'])} once all ended, {mib(r['evicted'])} after eviction "
            f"({r['runs_left']} runs alive)"
        )
        one = await one_run_recorded(srv)
        print(
            f"one run read over the WebSocket: {one['events']} events, "
            f"{one['bytes'] / 1e6:.1f} MB, {one['bytes'] / max(1, one['events']):,.0f} bytes "
            f"per event ({one['state']['output_at'] / 1e6:.1f} M characters printed); "
            f"it ended by {one['end']}"
        )


if __name__ == "__main__":
    asyncio.run(main())

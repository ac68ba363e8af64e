"""What exports and imports cost the server (app/exports/, app/export_api.py).

A real `full-buffer` run, then an export the size of a full recording: its writes repeated,
renumbered, to 15,000 events (about 60 MB, under the 64 MB a run may record), imported with
`POST /api/runs/import` and exported back in each format, streamed to the client. Seconds
as the client sees them, the server's RSS after each, and its peak (VmHWM) across the import.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from _service import machine, rss_kib, server

EVENTS = 15_000


def big_export(small: dict[str, Any]) -> bytes:
    """`small`'s events, its calls repeated until the run has EVENTS events."""
    events = small["events"]
    calls = [i for i, e in enumerate(events) if e["type"] == "call.enter"]
    middle = events[calls[1] : calls[-1]]
    grown = list(events[: calls[1]])
    while len(grown) < EVENTS - (len(events) - calls[-1]):
        grown.extend(middle)
    grown.extend(events[calls[-1] :])
    t, out = 0.0, []
    for seq, event in enumerate(grown):
        t = max(t, event["t"]) + 1e-5
        out.append({**event, "seq": seq, "t": round(t, 6)})
    return json.dumps({**small, "events": out}).encode()


def main() -> None:
    print(f"machine: {machine()}")
    with server() as srv, httpx.Client(base_url=srv.url, timeout=600) as http:
        run = http.post("/api/runs", json={"scenario": "full-buffer"}).json()
        while http.get(f"/api/runs/{run['id']}").json()["status"] != "ended":
            time.sleep(0.05)
        body = big_export(http.get(f"/api/runs/{run['id']}/export").json())
        print(f"export of {EVENTS} events: {len(body) / 2**20:.1f} MB")
        before = rss_kib(srv.pid)
        start = time.perf_counter()
        made = http.post(
            "/api/runs/import", content=body, headers={"content-type": "application/json"}
        )
        took = time.perf_counter() - start
        assert made.status_code == 201, made.text
        after, peak = rss_kib(srv.pid) / 1024, rss_kib(srv.pid, "VmHWM") / 1024
        print(
            f"import: {took:.2f} s; server RSS {before / 1024:.0f} MB before, "
            f"{after:.0f} MB after, peak {peak:.0f} MB"
        )
        for fmt in ("json", "strace", "perfetto"):
            start, size = time.perf_counter(), 0
            path = f"/api/runs/{made.json()['id']}/export"
            with http.stream("GET", path, params={"format": fmt}) as answer:
                for chunk in answer.iter_bytes():
                    size += len(chunk)
            print(
                f"export {fmt}: {time.perf_counter() - start:.2f} s, {size / 2**20:.1f} MB; "
                f"server RSS {rss_kib(srv.pid) / 1024:.0f} MB"
            )


if __name__ == "__main__":
    main()

"""The run store: bytes stored per event, time to store and to load a 20,000-event run, and
the server's RSS with 1,000 stored runs.

Two real 20,000-event runs are made by a real server (`yes` printing to the terminal, with
PIPESCOPE_MAX_RECORDING_MB raised so that it reaches the event limit rather than the
recording's: the heaviest run there is; and `full-buffer` in 128-byte writes), and read back
as the runner's text. Then, in this process: the time `SqliteStore.put` takes (compressing
included) and `get` plus `Run.replayed` (what a request for a run not in memory costs), best
of 3, and the bytes kept. Then 1,000 runs (copies of real hello-pipe, full-buffer and
shell-pipeline runs, under new ids) are put in a store, a server is started on it, and its
RSS read idle, and after every one of the 1,000 has been asked for once over REST (memory
keeps the last 32: the rest are read from the store and dropped again).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _service import Http, machine, rss_kib, server

from app.runs.archive import Archive
from app.store.base import StoredRun
from app.store.opening import open_sqlite

YES = {"program": {"procs": {"p": [{"op": "exec", "argv": ["yes"]}]}}}
FULL = {"scenario": "full-buffer", "params": {"total": 1 << 20, "chunk": 128, "reader_delay_ms": 0}}
SMALL = [
    {"scenario": "hello-pipe"},
    {"scenario": "full-buffer"},
    {"scenario": "shell-pipeline"},
]
STORED_RUNS = 1000
_DECODER = json.JSONDecoder()


def raw_lines(body: str) -> list[str]:
    """The events of an /events answer, as the text the runner sent (the answer joins them)."""
    lines, at = [], 1
    while body[at] != "]":
        _, end = _DECODER.raw_decode(body, at)
        lines.append(body[at:end])
        at = end + (body[end] == ",")
    return lines


def recorded(srv: Any, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    with httpx.Client(base_url=srv.url, timeout=120) as client:
        run = client.post("/api/runs", json=body).json()
        while client.get(f"/api/runs/{run['id']}").json()["status"] != "ended":
            time.sleep(0.2)
        lines: list[str] = []
        while True:
            query = {"after": len(lines) - 1, "limit": 5000}
            more = raw_lines(client.get(f"/api/runs/{run['id']}/events", params=query).text)
            if not more:
                return run, lines
            lines += more


def record(run: dict[str, Any], lines: list[str], run_id: str | None = None) -> StoredRun:
    return StoredRun(
        id=run_id or run["id"],
        scenario=run["scenario"],
        mode=run["mode"],
        backend=run["backend"],
        limits=run["limits"],
        created=run["created"],
        token_sha256="00" * 32,
        supervisor=None,
        lines=lines,
    )


def best(times: int, call: Any) -> float:
    took = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        took.append(time.perf_counter() - start)
    return min(took)


def one_big_run(name: str, run: dict[str, Any], lines: list[str]) -> None:
    text = sum(len(line) + 1 for line in lines)
    with tempfile.TemporaryDirectory() as data:
        opened = open_sqlite(Path(data))
        store = opened.store
        assert store is not None
        kept = record(run, lines)
        put = best(3, lambda: store.put(kept))
        archive = Archive(store)
        load = best(3, lambda: archive.load_now(kept.id))
        found = store.get(kept.id)
        assert found is not None and found.lines == lines
        size = store.stats().size
        store.close()
        on_disk = (Path(data) / "runs.sqlite3").stat().st_size
    print(
        f"{name}: {len(lines)} events, {text / 1e6:.1f} MB of JSON -> {size / 1e6:.2f} MB stored "
        f"({size / len(lines):.0f} bytes per event; the file {on_disk / 1e6:.2f} MB); "
        f"store {put * 1000:.0f} ms, load {load * 1000:.0f} ms (best of 3)"
    )


async def main() -> None:
    print(f"machine: {machine()}")
    with server(max_recording_mb=256, wall_s=120) as srv:
        big = {"yes": recorded(srv, YES), "full-buffer": recorded(srv, FULL)}
        small = [recorded(srv, body) for body in SMALL]
    for name, (run, lines) in big.items():
        one_big_run(name, run, lines)

    with tempfile.TemporaryDirectory() as data:
        opened = open_sqlite(Path(data))
        assert opened.store is not None
        ids = []
        for n in range(STORED_RUNS):
            run, lines = small[n % len(small)]
            ids.append(secrets.token_hex(16))
            opened.store.put(record(run, lines, ids[-1]))
        stats = opened.store.stats()
        opened.store.close()
        events = sum(len(small[n % len(small)][1]) for n in range(STORED_RUNS))
        print(
            f"{STORED_RUNS} stored runs ({events} events): {stats.size / 1e6:.1f} MB stored, "
            f"{stats.size / events:.0f} bytes per event"
        )
        with server() as empty:
            idle_empty = rss_kib(empty.pid)
        with server(data_dir=data) as srv:
            idle = rss_kib(srv.pid)
            http = await Http.open(srv)
            start = time.perf_counter()
            for run_id in ids:
                assert (await http.get(f"/api/runs/{run_id}"))["id"] == run_id
            took = time.perf_counter() - start
            await asyncio.sleep(0.5)  # a sweep or two: memory back to its 32 runs
            after = rss_kib(srv.pid)
            peak = rss_kib(srv.pid, "VmHWM")
            http.close()
        print(
            f"server RSS: {idle_empty / 1024:.0f} MiB with an empty store; with {STORED_RUNS} "
            f"stored runs {idle / 1024:.0f} MiB idle, {after / 1024:.0f} MiB after each was "
            f"asked for once (peak {peak / 1024:.0f} MiB; {took / STORED_RUNS * 1000:.1f} ms "
            "a request, each read from the store)"
        )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

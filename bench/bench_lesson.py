"""A lesson with a class of 500 (`--watchers N`): what each watcher costs the server in memory,
and how long a teacher's step and a teacher's position take to reach every watcher.

One fresh server, or `--replicas N` sharing a throwaway Redis (the broker: the lesson runs on
the first, the class is spread over all of them, round robin); the teacher (a WebSocket that
proved the token) and the watchers (plain WebSockets, as a watch link opens, asking for
compression as a browser does) are asyncio clients in this one process: the watchers lean
ones (bench/_watchers.py: frames read by an asyncio Protocol and zlib, each message's time
taken when its bytes come), or with `--library-client` the websockets library's. RSS is each
server process's, after the teacher alone and after every watcher has its first event (each
is then in the class). Then the teacher steps STEPS times; for each step, the time from the
teacher sending it to each watcher receiving that step's first event, and from the teacher
reporting its position to each watcher receiving it. The clients share the machine with the
servers: their CPU is printed beside the servers', and it slows the servers as much as theirs
slows it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from _service import Http, events_of, machine, percentile, rss_kib, server
from _watchers import LeanWatcher, lean_watcher
from redis_server import new_redis
from websockets.asyncio.client import ClientConnection, connect

from app.schemas import flood_program

STEPS = 30
EVENT_SEQ = re.compile(r'\{"v": ?1, ?"seq": ?(\d+)')
NOTE_SEQ = re.compile(r'"seq": ?(\d+)')


class Awaited:
    """How many watchers have had the seq awaited: counted as they come, so the benchmark
    does not poll 1,000 watchers' tables while they read (its CPU is the servers' too)."""

    def __init__(self, watchers: int) -> None:
        self.watchers, self.seq, self.count = watchers, -1, 0
        self.all = asyncio.Event()

    def expect(self, seq: int, already: int) -> None:
        self.seq, self.count = seq, already
        self.all.clear()
        if already >= self.watchers:
            self.all.set()

    def came(self, seq: int) -> None:
        if seq == self.seq:
            self.count += 1
            if self.count >= self.watchers:
                self.all.set()


class Watcher:
    def __init__(self, events: Awaited, notes: Awaited) -> None:
        self.awaited_events, self.awaited_notes = events, notes
        self.events: dict[int, float] = {}  # seq: when it came
        self.notes: dict[int, float] = {}  # position seq: when it came
        self.joined = asyncio.Event()
        self.ws: ClientConnection | LeanWatcher | None = None
        self.reading: asyncio.Task[None] | None = None

    async def open(self, url: str, library: bool) -> None:
        if not library:
            self.ws = await lean_watcher(url, self.took)
            return
        self.ws = await connect(url, max_size=None)
        self.reading = asyncio.create_task(self.read(self.ws))

    async def read(self, ws: ClientConnection) -> None:
        async for message in ws:
            assert isinstance(message, str)
            self.took(message, time.perf_counter())

    def took(self, message: str, now: float) -> None:
        # The seqs alone, not a parse of every state: 1,000 parses of each event in this
        # one process would be the client's cost, not the server's.
        if message.startswith('{"lesson":"position"'):
            seq = int(NOTE_SEQ.search(message)[1])  # type: ignore[index]
            self.notes[seq] = now
            self.awaited_notes.came(seq)
            return
        for seq in map(int, EVENT_SEQ.findall(message)):
            if seq not in self.events:
                self.events[seq] = now
                self.awaited_events.came(seq)
        self.joined.set()

    async def close(self) -> None:
        if isinstance(self.ws, LeanWatcher):
            self.ws.close()
        elif self.ws is not None:
            await self.ws.close()


def cpu_s(pid: int) -> float:
    """CPU seconds the process has used (user + system): a figure the load does not move."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def until(predicate: Any, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        await asyncio.sleep(0.002)


@contextlib.contextmanager
def replicas(count: int, **settings: Any) -> Any:
    """`count` servers; more than one share a new Redis."""
    with contextlib.ExitStack() as stack:
        if count > 1:
            redis = new_redis()
            stack.callback(redis.stop)
            url = redis.url()
            settings = {**settings, "broker_url": url}
        yield [stack.enter_context(server(replica_name=f"r{i}", **settings)) for i in range(count)]


async def lesson(
    watchers: int,
    plain: bool = False,
    count: int = 1,
    settings: dict[str, Any] | None = None,
    library: bool = False,
) -> dict[str, Any]:
    most = watchers + 10
    limits = {"max_viewers_per_run": most, "max_viewers_per_lesson": most, "max_viewers": most}
    with replicas(count, **limits, **(settings or {})) as servers:
        srv = servers[0]
        http = await Http.open(srv)
        body = {"program": flood_program(STEPS * 2), "mode": "step"}
        run = await http.post("/api/runs", body if plain else {**body, "lesson": True})
        http.close()
        assert "control_token" in run, run
        ws_url = srv.ws_url + run["ws"]
        teacher = await connect(ws_url, max_size=None)
        await teacher.send(json.dumps({"op": "auth", "token": run["control_token"]}))
        seen: list[dict[str, Any]] = []

        async def teacher_reads() -> None:
            async for message in teacher:
                data = json.loads(message)
                if isinstance(data, list) or ("seq" in data and "lesson" not in data):
                    seen.extend(events_of(message))

        reading = asyncio.create_task(teacher_reads())
        await until(lambda: len(seen) >= 2)  # run.start, proc.start: it waits for a step
        await asyncio.sleep(0.5)
        rss_before = [rss_kib(s.pid) for s in servers]

        urls = [s.ws_url + run["ws"] for s in servers]
        events, notes = Awaited(watchers), Awaited(watchers)
        class_ = [Watcher(events, notes) for _ in range(watchers)]
        for i, watcher in enumerate(class_):
            await watcher.open(urls[i % count], library)
        await asyncio.wait_for(asyncio.gather(*(w.joined.wait() for w in class_)), 120)
        await asyncio.sleep(1.5)  # and each replica has said its class to the others
        rss_after = [rss_kib(s.pid) for s in servers]

        step_ms: list[float] = []
        note_ms: list[float] = []
        cpu_before = sum(cpu_s(s.pid) for s in servers)
        clients_before = time.process_time()
        for _ in range(STEPS):
            before = len(seen)
            sent = time.perf_counter()
            await teacher.send(json.dumps({"op": "step"}))
            await until(lambda b=before: len(seen) > b)
            first = seen[before]["seq"]
            events.expect(first, sum(first in w.events for w in class_))
            await asyncio.wait_for(events.all.wait(), 60)
            step_ms += [(w.events[first] - sent) * 1000 for w in class_]
            await asyncio.sleep(0.05)  # the step's other events come in
            if plain:
                continue
            at = seen[-1]["seq"]
            reported = time.perf_counter()
            notes.expect(at, 0)
            await teacher.send(json.dumps({"op": "position", "seq": at}))
            await asyncio.wait_for(notes.all.wait(), 60)
            note_ms += [(w.notes[at] - reported) * 1000 for w in class_]
        rss_end = [rss_kib(s.pid) for s in servers]
        cpu = sum(cpu_s(s.pid) for s in servers) - cpu_before
        clients_cpu = time.process_time() - clients_before
        for w in class_:
            await w.close()
        await teacher.close()
        reading.cancel()
        return {
            "watchers": watchers,
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "rss_end_kib": rss_end,
            "per_watcher_kib": (sum(rss_after) - sum(rss_before)) / watchers,
            "cpu_ms_per_step": cpu * 1000 / STEPS,
            "clients_cpu_ms_per_step": clients_cpu * 1000 / STEPS,
            "events": len(seen),
            "step_p50_ms": percentile(step_ms, 50),
            "step_p99_ms": percentile(step_ms, 99),
            "position_p50_ms": percentile(note_ms, 50) if note_ms else 0.0,
            "position_p99_ms": percentile(note_ms, 99) if note_ms else 0.0,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=500)
    parser.add_argument("--plain", action="store_true", help="a step-mode run, not a lesson")
    parser.add_argument("--replicas", type=int, default=1, help="servers sharing a Redis")
    parser.add_argument(
        "--shared-frames", action="store_true", help="PIPESCOPE_WS_SHARED_FRAMES=true"
    )
    parser.add_argument(
        "--library-client",
        action="store_true",
        help="watchers on the websockets library's client, not the lean one (bench/_watchers.py)",
    )
    args = parser.parse_args()
    print(machine())
    shared = {"ws_shared_frames": True} if args.shared_frames else {}
    figures = asyncio.run(
        lesson(args.watchers, args.plain, args.replicas, shared, args.library_client)
    )

    def mib(kib: list[int]) -> str:
        return " + ".join(f"{k / 1024:.1f}" for k in kib) + " MiB"

    print(
        f"{figures['watchers']} watchers on {args.replicas} replica(s): server RSS "
        f"{mib(figures['rss_before_kib'])} with the teacher alone, "
        f"{mib(figures['rss_after_kib'])} with the class "
        f"({figures['per_watcher_kib']:.0f} KiB a watcher), "
        f"{mib(figures['rss_end_kib'])} after {STEPS} steps"
    )
    print(
        f"servers' CPU {figures['cpu_ms_per_step']:.1f} ms a step and its position "
        f"({figures['events']} events in all), "
        f"{figures['cpu_ms_per_step'] * 1000 / figures['watchers']:.0f} us a watcher; "
        f"the clients' {figures['clients_cpu_ms_per_step']:.1f} ms"
    )
    print(
        f"step -> every watcher: p50 {figures['step_p50_ms']:.1f} ms, "
        f"p99 {figures['step_p99_ms']:.1f} ms; position -> every watcher: "
        f"p50 {figures['position_p50_ms']:.1f} ms, p99 {figures['position_p99_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()

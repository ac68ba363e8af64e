"""Runs across replicas, through Redis streams, when `PIPESCOPE_BROKER_URL` names a Redis.

A run executes on the replica that started it, its owner. The owner copies the run's events
into a stream as they come, each under the id `0-(seq+1)`: Redis refuses an id that is not
past the last one, so the stream can hold no gap and no duplicate, whatever is retried. What
another replica needs to show the run (scenario, limits, the digest of its token, whether it
is a lesson, a pasted program's source) goes in a hash beside it.

Another replica asked for the run makes a `Run` of its own from these, a mirror, whose
recording and lesson board one task fills from the streams (app/runs/mirror.py): its viewers,
REST reads and exports see an ordinary run. What they ask of it (control ops, the teacher's
position and heartbeat, a hand-on) goes to the owner through the run's control stream, once
the mirror has checked the token against the digest, as the owner would.

Every replica says it is alive (a key with a TTL) and counts its viewers of each run it
shows, so a teacher sees the whole class and a run watched only elsewhere is not alone. A
replica whose key has expired is lost: the first other replica to see it (a claim, SET NX)
ends each of its runs with a `run.end` of reason `replica-lost`, which every mirror then
shows its viewers, and keeps the run in its store (the shared PostgreSQL one: any replica
replays it).

Keys, under `pipescope:`: `run:R:meta` (hash), `run:R:events`, `run:R:notes` (a lesson's
positions, and the digests of its new tokens), `run:R:control` (streams), `run:R:class`
(hash: replica, its viewers' counts), `run:R:claim`, `replica:N`, and `live` (hash: run,
its owner). A finished run's keys expire after `KEEP_S`: by then the store holds it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, cast

import redis.asyncio as aioredis
from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError

from app.runs import mirror
from app.runs.control import ControlOp
from app.runs.errors import RunError
from app.runs.mirror import BEAT_S, KEEP_S, LOST_AFTER_S
from app.runs.owners import Owner
from app.runs.run import Run

log = logging.getLogger("pipescope.broker")
MAX_CONTROL = 1000  # entries a control stream keeps: an owner reads them within a beat
CONTROL = TypeAdapter[ControlOp](ControlOp)

Find = Callable[[str], Awaitable[Run]]
Entries = list[tuple[str, dict[str, str]]]


def key(*parts: str) -> str:
    return "pipescope:" + ":".join(parts)


def run_keys(run_id: str) -> list[str]:
    return [key("run", run_id, part) for part in ("meta", "events", "notes", "control", "class")]


class Broker:
    def __init__(self, url: str, name: str) -> None:
        self.redis = aioredis.from_url(url, decode_responses=True, health_check_interval=30)
        self.name = name
        self.shown: dict[str, Run] = {}  # runs alive here, owned or mirrored
        self._publishing: set[asyncio.Task[Any]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._said: str | None = None

    async def start(self, find: Find) -> None:
        """Say this replica is alive; from then on, beat, and end the runs of lost ones.
        `find` is the manager's: a run from memory, the store or a mirror."""
        await self.redis.ping()
        await self._beat()
        self.spawn(self._beat_forever(find))

    async def stop(self) -> None:
        """Once the runs are ended: their last events out, then nothing more from here."""
        if self._publishing:
            await asyncio.wait(self._publishing, timeout=3.0)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with suppress(RedisError):
            await self.redis.delete(key("replica", self.name))
        await self.redis.aclose()

    # -- the owner's side ---------------------------------------------------------------------
    def publish(self, run: Run) -> None:
        """Share a run that runs here, until its run.end is in the stream."""
        self.shown[run.id] = run
        if run.lesson is not None:
            run.lesson.handed = lambda digest: self.send_later(self._handed(run.id, digest))
        task = self.spawn(self._publish(run))
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    async def _publish(self, run: Run) -> None:
        others: list[asyncio.Task[Any]] = []
        try:
            await self._retrying(lambda: self._describe(run))
            others.append(self.spawn(self._take_control(run)))
            if run.lesson is not None:
                others.append(self.spawn(mirror.send_notes(self, run)))
            await mirror.send_events(self, run)
        finally:
            for task in others:
                task.cancel()
            self.shown.pop(run.id, None)
            with suppress(RedisError):
                await self.forget(run.id)

    async def _describe(self, run: Run) -> None:
        meta = {
            "scenario": run.scenario,
            "mode": run.mode,
            "owner_mode": run.owner.mode,
            "backend": run.backend,
            "limits": json.dumps(run.limits),
            "created": repr(run.created),
            "digest": run.owner.digest,
            "lesson": repr(run.lesson.grace_s) if run.lesson is not None else "",
            "replica": self.name,
            "source": run.source or "",  # a pasted program's: a mirror shows it, and stores it
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key("run", run.id, "meta"), mapping=meta)  # type: ignore[arg-type]
            pipe.hset(key("live"), run.id, self.name)
            await pipe.execute()

    async def forget(self, run_id: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hdel(key("live"), run_id)
            for name in run_keys(run_id):
                pipe.expire(name, KEEP_S)
            await pipe.execute()

    async def _handed(self, run_id: str, digest: str) -> None:
        """The lesson has a new token: mirrors check the new digest from now on."""
        with suppress(RedisError):
            await self.redis.hset(key("run", run_id, "meta"), "digest", digest)
            await self.redis.xadd(key("run", run_id, "notes"), {"digest": digest})

    async def _take_control(self, run: Run) -> None:
        stream, last = key("run", run.id, "control"), "0-0"
        while not run.finished:
            try:
                got = await self.read({stream: last}, 100)
            except RedisError as err:
                self.warn(err)
                await asyncio.sleep(BEAT_S)
                continue
            for _, entries in got:
                for entry_id, fields in entries:
                    last = entry_id
                    obey(run, fields.get("m", ""))

    # -- the other replicas' side -------------------------------------------------------------
    async def mirror(self, run_id: str) -> Run | None:
        """A run that runs on another replica, as a mirror; None if no replica has it."""
        if run_id in self.shown:
            return self.shown[run_id]
        try:
            meta = await self.hash(key("run", run_id, "meta"))
        except RedisError as err:
            self.warn(err)
            return None
        if not meta or run_id in self.shown:
            return self.shown.get(run_id)
        run = mirror.mirrored(self, run_id, meta)
        self.shown[run_id] = run
        task = self.spawn(mirror.follow(self, run))
        task.add_done_callback(lambda _: self.shown.pop(run_id, None))
        return run

    def send(self, run_id: str, message: str) -> None:
        """A message for the run's owner (its control stream), sent in order."""
        self.spawn(self._send(run_id, message))

    async def _send(self, run_id: str, message: str) -> None:
        try:
            await self.redis.xadd(key("run", run_id, "control"), {"m": message}, maxlen=MAX_CONTROL)
        except RedisError as err:
            self.warn(err)

    # -- every replica ----------------------------------------------------------------------
    async def _beat_forever(self, find: Find) -> None:
        while True:
            await asyncio.sleep(BEAT_S)
            try:
                await self._beat()
                await mirror.rescue(self, find)
            except RedisError as err:
                self.warn(err)
            except Exception:  # a bug here must not end every later beat
                log.exception("the broker's beat failed")

    async def _beat(self) -> None:
        """Alive; and this replica's viewers of each run it shows, and everyone else's."""
        now = time.time()
        runs = list(self.shown.values())
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(key("replica", self.name), repr(now), ex=LOST_AFTER_S)
            for run in runs:
                pipe.hset(key("run", run.id, "class"), self.name, json.dumps(here(run, now)))
                pipe.hgetall(key("run", run.id, "class"))
            results = await pipe.execute()
        for run, counts in zip(runs, results[2::2], strict=True):
            mirror.tally(run, cast(dict[str, str], counts), self.name, now - LOST_AFTER_S)
        self._said = None

    async def read(self, streams: dict[str, str], count: int) -> list[tuple[str, Entries]]:
        """XREAD, waiting up to a beat for the first entry (decode_responses: all str)."""
        got = await self.redis.xread(streams, count=count, block=int(BEAT_S * 1000))  # type: ignore[arg-type]
        return cast(list[tuple[str, Entries]], got or [])

    async def hash(self, name: str) -> dict[str, str]:
        return cast(dict[str, str], await self.redis.hgetall(name))

    def send_later(self, coro: Any) -> None:
        self.spawn(coro)

    async def _retrying(self, step: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                return await step()
            except RedisError as err:
                self.warn(err)
                await asyncio.sleep(BEAT_S)

    def warn(self, err: Exception) -> None:
        """Said once until Redis answers again: a broker away is one fact, not a flood."""
        said = f"pipescope: the broker (Redis) did not answer ({err}); runs of other replicas "
        said += "are not seen from here, nor this one's from them, until it does"
        if self._said is None:
            log.warning("%s", said)
        self._said = said

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)  # keep a reference: the loop holds tasks only weakly
        task.add_done_callback(self._tasks.discard)
        return task


def here(run: Run, now: float) -> list[float]:
    """What this replica says of a run's viewers: [when, viewers, watching, following,
    teachers] (the last three a lesson's)."""
    lesson = run.lesson.here() if run.lesson is not None else (0, 0, 0)
    return [now, run.viewers, *lesson]


def obey(run: Run, message: str) -> None:
    """A message another replica's viewer sent to a run of this one. It checked the token."""
    try:
        data = json.loads(message)
        lesson, name = run.lesson, data.get("op")
        if name == "position" and lesson is not None:
            lesson.heard_from_teacher()
            lesson.report(run, int(data["seq"]))
        elif name == "heartbeat" and lesson is not None:
            lesson.heard_from_teacher()
        elif name == "owner" and lesson is not None and not run.finished:
            run.owner = Owner(
                client=run.owner.client, mode=run.owner.mode, token="", digest=data["digest"]
            )
            lesson.heard_from_teacher()
            if lesson.handed is not None:
                lesson.handed(run.owner.digest)
        else:
            run.control(CONTROL.validate_python(data))
    except (ValueError, KeyError, TypeError, ValidationError, RunError) as err:
        # The replica that sent it answered its viewer already; the run moved on meanwhile.
        log.info("pipescope: a message for run %s from another replica: %s", run.id, err)

"""The streams of a run shared through the broker (app/runs/broker.py), both ways.

The owner's side sends the run's events (`send_events`) and its lesson's notes
(`send_notes`). Another replica's side makes a mirror of the run (`mirrored`) and fills it
(`follow`); what its viewers ask goes back to the owner (`Relay`). `rescue` ends the runs of
a lost replica.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any, cast

from redis.exceptions import RedisError, ResponseError

from app.runs.lesson import Lesson
from app.runs.owners import Owner
from app.runs.run import Closing, Run

if TYPE_CHECKING:
    from app.runs.broker import Broker, Entries, Find

BEAT_S = 1.0
LOST_AFTER_S = 5  # a replica's key lives this long past its last beat
KEEP_S = 900  # a finished run's keys, for mirrors that come late; the store has it by then
BATCH = 512
CATCH_UP_S = 10.0  # a rescuer waits this long for its mirror to hold the whole stream


def events_key(run_id: str) -> str:
    return f"pipescope:run:{run_id}:events"


def notes_key(run_id: str) -> str:
    return f"pipescope:run:{run_id}:notes"


# -- the owner ------------------------------------------------------------------------------
async def send_events(broker: Broker, run: Run) -> None:
    """Every event of the run into its stream, in order, each under the id 0-(seq+1)."""
    recording, stream, cursor = run.recording, events_key(run.id), 0
    while True:
        if cursor < len(recording):
            lines = recording.lines[cursor : cursor + BATCH]
            try:
                async with broker.redis.pipeline(transaction=False) as pipe:
                    for seq, line in enumerate(lines, cursor):
                        pipe.xadd(stream, {"e": line}, id=f"0-{seq + 1}")
                    await pipe.execute()
                cursor += len(lines)
            except RedisError as err:  # some may have gone: the stream says which
                broker.warn(err)
                await asyncio.sleep(BEAT_S)
                with suppress(RedisError):
                    cursor = await stream_length(broker, stream)
            continue
        if recording.ended:
            return
        grew = recording.growth(cursor)
        if grew is not None:
            await asyncio.shield(grew)  # the future is every viewer's too


async def send_notes(broker: Broker, run: Run) -> None:
    """The lesson's latest position, each time it changes (the latest wins, as on a Board)."""
    assert run.lesson is not None
    board, sent = run.lesson.board, 0
    while True:
        if board.version != sent and board.latest is not None:
            sent = board.version
            seq, text = board.latest
            try:
                await broker.redis.xadd(notes_key(run.id), {"seq": seq, "text": text}, maxlen=100)
            except RedisError as err:
                broker.warn(err)
            continue
        await asyncio.shield(board.next_note())


async def stream_length(broker: Broker, stream: str) -> int:
    """How many events a run's stream holds: its last id's sequence number."""
    last = cast("Entries", await broker.redis.xrevrange(stream, count=1))
    return int(last[0][0].split("-")[1]) if last else 0


# -- a mirror -------------------------------------------------------------------------------
class Relay:
    """A mirror's way to the run's owner, for what its viewers ask (checked here first)."""

    def __init__(self, broker: Broker, run_id: str) -> None:
        self.broker, self.run_id = broker, run_id

    def control(self, line: str) -> None:
        self.broker.send(self.run_id, line)

    def lesson(self, message: dict[str, Any]) -> None:
        self.broker.send(self.run_id, json.dumps(message))


def mirrored(broker: Broker, run_id: str, meta: dict[str, str]) -> Run:
    """A run of another replica, empty until `follow` fills it."""
    mode = meta["mode"]
    run = Run(
        run_id,
        meta["scenario"],
        mode,
        meta["backend"],
        json.loads(meta["limits"]),
        hard_kill=lambda: None,  # its processes are the owner's
        owner=Owner.stored(meta.get("owner_mode", mode), meta["digest"]),
    )
    run.created = float(meta["created"])
    run.source = meta.get("source") or None  # a pasted program's (none from an older replica)
    relay = Relay(broker, run_id)
    run.relay = relay
    if meta.get("lesson"):
        run.lesson = Lesson(float(meta["lesson"]))
        run.lesson.forward = relay.lesson
    return run


async def follow(broker: Broker, run: Run) -> None:
    """Fill the mirror from the streams until its run.end."""
    events, notes = events_key(run.id), notes_key(run.id)
    last = {events: "0-0", notes: "0-0"}
    while not run.finished:
        try:
            got = await broker.read(last, BATCH)
        except RedisError as err:
            broker.warn(err)
            await asyncio.sleep(BEAT_S)
            continue
        for stream, entries in got:
            last[stream] = entries[-1][0]
            if stream == events:
                took(run, [fields["e"] for _, fields in entries])
            else:
                for _, fields in entries:
                    noted(run, fields)


def took(run: Run, lines: list[str]) -> None:
    recording = run.recording
    recording.extend(lines, last=True)  # what the owner recorded, the mirror holds
    latest = recording.latest()
    if latest is not None and latest["type"] == "run.end":
        recording.finish()
        run.ended_at = time.monotonic()
        run.done.set()


def noted(run: Run, fields: dict[str, str]) -> None:
    if "digest" in fields:
        run.owner = Owner.stored(run.owner.mode, fields["digest"])
    elif run.lesson is not None and "seq" in fields:
        run.lesson.board.publish(int(fields["seq"]), fields["text"])


def tally(run: Run, counts: dict[str, str], name: str, since: float) -> None:
    """Another replica's viewers of the run, from what each said within LOST_AFTER_S."""
    viewers, lesson = 0, [0, 0, 0]
    for replica, said in counts.items():
        values = json.loads(said)
        if replica == name or values[0] < since:
            continue
        viewers += int(values[1])
        lesson = [a + int(b) for a, b in zip(lesson, values[2:5], strict=True)]
    if run.viewers_elsewhere and not viewers and not run.viewers:
        run.alone_since = time.monotonic()  # its last viewer, elsewhere, left: the grace runs
    run.viewers_elsewhere = viewers
    if run.lesson is not None:
        run.lesson.elsewhere = (lesson[0], lesson[1], lesson[2])


# -- a lost replica -------------------------------------------------------------------------
async def rescue(broker: Broker, find: Find) -> None:
    """End the runs of replicas that stopped beating, once, whichever replica sees it first."""
    live = await broker.hash("pipescope:live")
    owners = sorted({owner for owner in live.values() if owner != broker.name})
    async with broker.redis.pipeline(transaction=False) as pipe:
        for owner in owners:
            pipe.exists(f"pipescope:replica:{owner}")
        alive = dict(zip(owners, await pipe.execute(), strict=True))
    alive[broker.name] = True
    for run_id, owner in live.items():
        # A run of this replica's name that it does not show is its previous life's: a
        # replica restarted (as compose restarts one) within LOST_AFTER_S, never seen lost.
        before = owner == broker.name and run_id not in broker.shown
        if alive[owner] and not before:
            continue
        claim = f"pipescope:run:{run_id}:claim"
        claimed = await broker.redis.set(claim, broker.name, nx=True, ex=KEEP_S)
        if claimed and not await end_lost(broker, find, run_id, owner):
            await broker.redis.delete(claim)  # the next beat tries again


async def end_lost(broker: Broker, find: Find, run_id: str, owner: str) -> bool:
    """Append the run.end of a run whose replica is lost; True once it is in the stream."""
    run = await find(run_id)  # a mirror, made now if there was none
    stream = events_key(run_id)
    if not run.finished:
        length = await stream_length(broker, stream)
        with suppress(TimeoutError):
            async with asyncio.timeout(CATCH_UP_S):
                while len(run.recording) < length:
                    await run.recording.wait_past(len(run.recording))
        if len(run.recording) < length or run.finished:
            return run.finished
        seconds = LOST_AFTER_S
        closing = Closing(
            "replica-lost",
            f"the server replica that ran it ({owner}) stopped answering {seconds} s ago, "
            "so its processes are gone; what was recorded until then stays replayable",
            "end.replica_lost",
            {"replica": owner, "seconds": seconds},
        )
        end = run.end_event(run.recording.latest(), closing)
        try:
            await broker.redis.xadd(stream, {"e": json.dumps(end)}, id=f"0-{length + 1}")
        except ResponseError:  # the stream grew meanwhile: its owner is back, or was late
            return False
    await broker.forget(run_id)
    return True

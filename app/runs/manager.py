"""Every run of this server: started through the fork server, bounded, and cleaned up.

At most `max_runs` are alive at once. A run whose last viewer left is killed after a grace
period; one that never had a viewer (REST only) ends by its own wall-time limit; a lesson
ends when its teacher's page has been silent for its grace (app/runs/lesson.py). Every
finished run is written to the run store (app/runs/archive.py) and read back from it when
asked for; memory keeps the latest few within a count, an age and a size, and the store
keeps runs within its own age and size (retention). Stopping the manager kills every run,
waits for the fork server, which reaps them all, to exit, and for the store's writes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import socket
import time
from contextlib import suppress
from typing import Any

from app.config import Settings
from app.runner.client import ForkServerClient, RunnerUnavailable
from app.runs.archive import Archive
from app.runs.broker import Broker
from app.runs.cache import forget_finished
from app.runs.errors import RunnerDown, RunNotFound, StoreDown, TooManyRuns
from app.runs.lesson import Lesson
from app.runs.memory import GiveBack
from app.runs.owners import Owner, check_client
from app.runs.run import Closing, Run
from app.store.base import StoreAway, StoreError
from app.store.opening import open_store

log = logging.getLogger("pipescope.runs")
TICK_S = 0.25
OVERDUE_S = 5.0  # past its wall limit by this much, a run's supervisor is not answering
SHUTDOWN_WAIT_S = 5.0
RUN_ID_BYTES = 16  # 128 bits: a stored run's id is its only lock against being found


def new_run_id() -> str:
    """A run's id: unguessable, as anyone who has it may watch the run, and a stored run
    stays reachable for weeks by its id alone: 128 random bits, 32 hex digits."""
    return secrets.token_hex(RUN_ID_BYTES)


class RunManager:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runner = ForkServerClient({"run_uid_base": settings.run_uid_base})
        self.runs: dict[str, Run] = {}
        self.starting: list[Owner] = []  # runs whose supervisor is being forked
        self._janitor: asyncio.Task[None] | None = None
        self._give_back = GiveBack()
        self.archive = Archive()  # no store until open_store
        self._tasks: set[asyncio.Task[Any]] = set()
        self._swept = 0.0
        self.broker: Broker | None = None  # runs shared with other replicas, if configured

    async def start(self) -> None:
        await self.runner.start()
        self._janitor = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def open_store(self) -> None:
        """Open the run store (once the server runs as the user it serves as: the file is
        that user's), say in one line if anything happened to it, and apply retention."""
        opened = await asyncio.to_thread(
            open_store, self.settings.data_dir, self.settings.database_url
        )
        if opened.said:
            log.warning("%s", opened.said)
        self.archive = Archive(opened.store)
        await self._sweep_store()

    async def join_broker(self) -> None:
        """Share runs with the other replicas (PIPESCOPE_BROKER_URL). A replica that cannot
        reach its broker does not start: alone, it would show a class half of its lessons."""
        url = self.settings.broker_url
        if url is None:
            return
        name = self.settings.replica_name or f"{socket.gethostname()}-{os.getpid()}"
        broker = Broker(url, name)
        try:
            await broker.start(self.find)
        except Exception as err:
            await broker.redis.aclose()
            raise RuntimeError(
                f"the broker at PIPESCOPE_BROKER_URL did not answer ({err}); start Redis, "
                "or unset PIPESCOPE_BROKER_URL to run one server alone"
            ) from err
        self.broker = broker

    async def stop(self) -> None:
        if self._janitor is not None:
            self._janitor.cancel()
            with suppress(asyncio.CancelledError):
                await self._janitor
        await self._stop_runs()
        if self.broker is not None:
            await self.broker.stop()
        for run in self.runs.values():  # every finished run the store does not hold yet
            if run.done.is_set():
                self.archive.keep(run)
        await self.archive.close()

    async def _stop_runs(self) -> None:
        live = self.live()
        for run in live:
            run.close(
                Closing(
                    "shutdown",
                    "the server stopped; start the run again once it is back",
                    "end.server_stopped",
                    {},
                )
            )
        if live:
            await asyncio.wait(
                [asyncio.create_task(r.done.wait()) for r in live], timeout=SHUTDOWN_WAIT_S
            )
        await self.runner.stop()  # the fork server kills and reaps whatever is left
        if live:  # their run.end, written by us once the fork server killed what was left
            await asyncio.wait(
                [asyncio.create_task(r.done.wait()) for r in live], timeout=SHUTDOWN_WAIT_S
            )

    # -- runs ------------------------------------------------------------------------------
    def live(self) -> list[Run]:
        """The runs that run here (not the mirrors of other replicas' runs)."""
        return [r for r in self.runs.values() if not r.done.is_set() and r.relay is None]

    def get(self, run_id: str) -> Run:
        """The run, from memory or else the store (read in this thread: from the event loop,
        `await find` instead)."""
        run = self.runs.get(run_id) or self._cached(run_id, self.archive.load_now(run_id))
        if run is None:
            raise self._not_found(run_id)
        return run

    async def find(self, run_id: str) -> Run:
        """The run, from memory or else the store, read in a thread, or else another
        replica's, through the broker (a mirror of it)."""
        run = self.runs.get(run_id) or self._cached(run_id, await self.archive.load(run_id))
        if run is None and self.broker is not None:
            run = self._cached(run_id, await self.broker.mirror(run_id))
            if run is not None:
                # Stored once it ends, as its owner stores it (the same row: the write is an
                # upsert): a replica lost before its write leaves the run to the others.
                self._spawn(self._keep_when_done(run))
        if run is None:
            raise self._not_found(run_id)
        return run

    def _cached(self, run_id: str, run: Run | None) -> Run | None:
        if run is None:
            return None
        return self.runs.setdefault(run_id, run)  # one that came meanwhile wins

    def _not_found(self, run_id: str) -> RunNotFound:
        kept = (
            f"the store keeps finished runs for {self.settings.store_keep_days:g} days"
            if self.archive.store is not None
            else f"the server keeps {self.settings.keep_finished} finished runs for "
            f"{self.settings.keep_finished_s:g} s"
        )
        return RunNotFound(
            f"no run {run_id!r}: it never existed here, or it finished and was dropped "
            f"({kept}); start a new one with POST /api/runs"
        )

    async def remove(self, run: Run) -> None:
        """Forget a finished run, in memory and in the store (its owner asked)."""
        try:
            await self.archive.delete(run.id)
        except StoreError as err:
            raise StoreDown(
                f"run {run.id} could not be removed from the run store ({err}); try again"
            ) from err
        if self.runs.get(run.id) is run:
            del self.runs[run.id]

    async def create(
        self,
        scenario: str,
        limits: dict[str, Any],
        request: dict[str, Any],
        owner: Owner,
        lesson: bool = False,
        source: str | None = None,
    ) -> Run:
        """Start a run for `owner`. `request` is what the runner needs beyond the basics: the
        backend and its program (a scenario's `request(params)`). A `lesson` is a step-mode
        run that lives while its teacher is heard from (app/runs/lesson.py). `source`: a
        pasted program's C source, which its page shows."""
        mode = owner.mode
        if len(self.live()) + len(self.starting) >= self.settings.max_runs:
            wait = self.retry_after()
            raise TooManyRuns(
                f"{self.settings.max_runs} runs are already running, the most this server "
                f"allows at once; try again in {wait} s",
                retry_after=wait,
            )
        s = self.settings
        check_client(
            self.live(), self.starting, owner, s.max_runs_per_client, s.max_step_runs_per_client
        )
        run_id = new_run_id()
        run = Run(
            run_id,
            scenario,
            mode,
            str(request.get("backend", "runner")),
            limits,
            hard_kill=lambda: self.runner.kill_run(run_id),
            owner=owner,
        )
        run.source = source  # before any other replica or the store is told of the run
        full = {"run": run_id, "scenario": scenario, "mode": mode, "limits": limits, **request}
        self.starting.append(owner)
        try:
            sock, supervisor = await self.runner.start_run(full)
            await run.attach(sock, supervisor)
        except RunnerUnavailable as err:
            raise RunnerDown(f"the runner is not available ({err}); try again") from err
        finally:
            self.starting.remove(owner)
        if lesson:
            run.lesson = Lesson(self.settings.lesson_teacher_grace_s)
        self.runs[run_id] = run
        self._spawn(self._keep_when_done(run))
        if self.broker is not None:
            self.broker.publish(run)
        return run

    async def _keep_when_done(self, run: Run) -> None:
        await run.done.wait()
        if self.runs.get(run.id) is run:  # not removed by its owner meanwhile
            self.archive.keep(run)

    def adopt(self, run: Run) -> None:
        """Keep a finished run made elsewhere (`Run.replayed`) as if it had run here: in
        memory, and written to the store."""
        if not run.done.is_set():
            raise ValueError(f"run {run.id} has not finished")
        self.runs[run.id] = run
        self.archive.keep(run)

    def retry_after(self) -> int:
        """Seconds until the first running run reaches its wall-time limit."""
        now = time.monotonic()
        ends = [r.started + float(r.limits["wall_s"]) - now for r in self.live()]
        return max(1, math.ceil(min(ends, default=1)))

    # -- the janitor -----------------------------------------------------------------------
    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                self.sweep()
            except Exception:  # a bug here must not end every later clean-up
                log.exception("sweeping runs failed")

    def sweep(self) -> None:
        now = time.monotonic()
        grace = self.settings.viewer_grace_s
        for run in self.live():
            if run.lesson is not None:
                self._check_teacher(run, now)
            elif run.alone_since is not None and run.alone_for(now) >= grace:
                run.close(
                    Closing(
                        "viewer-left",
                        f"the last viewer left {grace:g} s ago, so the run was stopped",
                        "end.viewer_left",
                        {"seconds": grace},
                    )
                )
            if now - run.started > float(run.limits["wall_s"]) + OVERDUE_S:
                seconds = run.limits["wall_s"]
                run.force(
                    Closing(
                        "timeout",
                        f"the run passed its time limit of {seconds} s",
                        "end.time_limit",
                        {"seconds": seconds},
                    )
                )
        # Once nothing holds the dropped runs (not even that method's locals): else the
        # server keeps their pages, and its RSS never comes down.
        self._give_back(forget_finished(self.runs, self.archive, self.settings, now))
        if now - self._swept >= self.settings.store_retry_s:
            self._swept = now
            self._spawn(self._sweep_store())

    def _check_teacher(self, run: Run, now: float) -> None:
        """A lesson ends once its teacher's page has been silent for the grace: not when its
        viewers leave (a class comes and goes), nor at the step-mode limit."""
        assert run.lesson is not None
        grace = run.lesson.grace_s
        if run.lesson.teacher_away_s(now) >= grace:
            run.close(
                Closing(
                    "teacher-left",
                    f"the teacher's page has not been heard from for {grace:g} s, so the "
                    "lesson was ended",
                    "end.teacher_left",
                    {"seconds": grace},
                )
            )

    def viewers(self) -> int:
        """WebSockets watching any run of this server now."""
        return sum(run.viewers for run in self.runs.values())

    async def _sweep_store(self) -> None:
        """Retention in the store; the runs it forgot leave memory too."""
        s = self.settings
        self.archive.retry([r for r in self.runs.values() if r.done.is_set()])
        try:
            gone = await self.archive.sweep(
                time.time(), s.store_keep_days * 86400, int(s.store_max_mb * (1 << 20))
            )
        except StoreAway:  # a database out of reach: the store said so
            return
        except Exception as err:  # a full disk, say: the next sweep tries again
            log.warning("pipescope: retention in the run store failed (%s)", err)
            return
        for run_id in gone:
            run = self.runs.get(run_id)
            if run is not None and run.done.is_set():
                del self.runs[run_id]

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)  # keep a reference: the loop holds tasks only weakly
        task.add_done_callback(self._tasks.discard)

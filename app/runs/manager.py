"""Every run of this server: started through the fork server, bounded, and cleaned up.

At most `max_runs` are alive at once. A run whose last viewer left is killed after a grace
period; one that never had a viewer (REST only) ends by its own wall-time limit; a lesson
ends when its teacher's page has been silent for its grace (app/runs/lesson.py). Finished
runs stay for replay within a count, an age and a size. Stopping the manager kills every run
and waits for the fork server, which reaps them all, to exit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from contextlib import suppress
from typing import Any

from app.config import Settings
from app.runner.client import ForkServerClient, RunnerUnavailable
from app.runs.errors import RunnerDown, RunNotFound, TooManyRuns
from app.runs.lesson import Lesson
from app.runs.memory import GiveBack
from app.runs.owners import Owner, check_client
from app.runs.run import Closing, Run

log = logging.getLogger("pipescope.runs")
TICK_S = 0.25
OVERDUE_S = 5.0  # past its wall limit by this much, a run's supervisor is not answering
SHUTDOWN_WAIT_S = 5.0


def new_run_id() -> str:
    """A run's id: unguessable, as anyone who has it may watch the run."""
    return uuid.uuid4().hex[:12]


class RunManager:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runner = ForkServerClient({"run_uid_base": settings.run_uid_base})
        self.runs: dict[str, Run] = {}
        self.starting: list[Owner] = []  # runs whose supervisor is being forked
        self._janitor: asyncio.Task[None] | None = None
        self._give_back = GiveBack()

    async def start(self) -> None:
        await self.runner.start()
        self._janitor = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._janitor is not None:
            self._janitor.cancel()
            with suppress(asyncio.CancelledError):
                await self._janitor
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

    # -- runs ------------------------------------------------------------------------------
    def live(self) -> list[Run]:
        return [run for run in self.runs.values() if not run.done.is_set()]

    def get(self, run_id: str) -> Run:
        run = self.runs.get(run_id)
        if run is None:
            raise RunNotFound(
                f"no run {run_id!r}: it never existed here, or it finished and was dropped "
                f"(the server keeps {self.settings.keep_finished} finished runs for "
                f"{self.settings.keep_finished_s:g} s); start a new one with POST /api/runs"
            )
        return run

    async def create(
        self,
        scenario: str,
        limits: dict[str, Any],
        request: dict[str, Any],
        owner: Owner,
        lesson: bool = False,
    ) -> Run:
        """Start a run for `owner`. `request` is what the runner needs beyond the basics: the
        backend and its program (a scenario's `request(params)`). A `lesson` is a step-mode
        run that lives while its teacher is heard from (app/runs/lesson.py)."""
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
        return run

    def adopt(self, run: Run) -> None:
        """Keep a finished run made elsewhere (`Run.replayed`) as if it had run here."""
        if not run.done.is_set():
            raise ValueError(f"run {run.id} has not finished")
        self.runs[run.id] = run

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
            elif run.alone_since is not None and now - run.alone_since >= grace:
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
        self._give_back(self._forget_finished(now))

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

    def _forget_finished(self, now: float) -> int:
        """Drop the finished runs past the count, age or size kept; the bytes they held."""
        s = self.settings
        finished = sorted(
            (r for r in self.runs.values() if r.done.is_set()), key=lambda r: r.ended_at or 0
        )
        size = sum(r.recording.size for r in finished)
        dropped = 0
        for i, run in enumerate(finished):
            too_many = len(finished) - i > s.keep_finished
            too_old = now - (run.ended_at or now) > s.keep_finished_s
            too_big = size > s.keep_finished_mb << 20
            if not (too_many or too_old or too_big):
                break
            size -= run.recording.size
            dropped += run.recording.size
            del self.runs[run.id]
        return dropped

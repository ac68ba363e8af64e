"""Finished runs to and from the run store (app/store/), off the event loop.

The manager hands over every finished run, its own and adopted ones (`keep`); writes go
through one thread, in order, so that a delete coming after a write comes after it on disk
too. A run's `stored` says how it went: None until its write is done, True once the store
holds it (a stored run may leave memory and be read back on demand: `load`), False if the
write failed (a full disk, ...): then the run stays in memory, replayable as before, and the
write is tried again later (`retry`). Without a store (it could not be opened) nothing is
written and every run stays in memory, as before there was a store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.runs.owners import Owner
from app.runs.run import Run
from app.store.base import RunStore, StoreAway, StoredRun, StoreError

log = logging.getLogger("pipescope.store")


class Archive:
    def __init__(self, store: RunStore | None = None) -> None:
        self.store = store
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipescope-store")
        self._writes: set[asyncio.Future[Any]] = set()
        self._keeping: dict[str, asyncio.Future[Any]] = {}  # runs whose write is under way
        self._loading: dict[str, asyncio.Future[Run | None]] = {}

    # -- writing ---------------------------------------------------------------------------
    def keep(self, run: Run) -> None:
        """Write a finished run to the store, unless it is there or on its way."""
        if self.store is None:
            run.stored = False  # memory is all there is
            return
        if run.stored or run.id in self._keeping:
            return
        record = StoredRun(
            id=run.id,
            scenario=run.scenario,
            mode=run.mode,
            backend=run.backend,
            limits=run.limits,
            created=run.created,
            token_sha256=run.owner.digest,
            supervisor=run.supervisor,
            lines=list(run.recording.lines),  # the strings are shared, not copied
            source=run.source,
        )
        write = self._submit(self.store.put, record)
        self._keeping[run.id] = write
        write.add_done_callback(lambda done: self._written(run, done))

    def writing(self, run_id: str) -> bool:
        return run_id in self._keeping

    def _written(self, run: Run, write: asyncio.Future[Any]) -> None:
        self._keeping.pop(run.id, None)
        error = None if write.cancelled() else write.exception()
        if error is None:
            run.stored = True
            return
        if run.stored is None and not isinstance(error, StoreAway):  # said once a run
            log.warning(
                "pipescope: run %s could not be stored (%s): it stays in memory, replayable "
                "until the server drops or stops it, and is tried again later",
                run.id,
                error,
            )
        run.stored = False

    def retry(self, runs: list[Run]) -> None:
        for run in runs:
            if run.stored is False:
                self.keep(run)

    async def delete(self, run_id: str) -> None:
        """Forget a run in the store (after any write of it still under way)."""
        if self.store is not None:
            await self._submit(self.store.delete, run_id)

    async def sweep(self, now: float, max_age_s: float, max_size: int) -> list[str]:
        """Retention: the ids the store forgot (app/store/base.py, RunStore.sweep)."""
        if self.store is None:
            return []
        gone: list[str] = await self._submit(self.store.sweep, now, max_age_s, max_size)
        return gone

    async def drain(self) -> None:
        """Wait for every write handed over so far."""
        while self._writes:
            await asyncio.wait(set(self._writes))

    async def close(self) -> None:
        await self.drain()
        if self.store is not None:
            store, self.store = self.store, None
            try:
                await self._submit(store.close)
            except StoreError as err:
                log.warning("pipescope: the run store did not close cleanly (%s)", err)
        self._writer.shutdown()

    def _submit(self, call: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        write = asyncio.wrap_future(self._writer.submit(call, *args))
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)
        return write

    # -- reading ---------------------------------------------------------------------------
    async def load(self, run_id: str) -> Run | None:
        """The stored run, read in a thread; viewers asking at once share one read."""
        if self.store is None:
            return None
        loading = self._loading.get(run_id)
        if loading is None:
            loading = asyncio.ensure_future(asyncio.to_thread(self.load_now, run_id))
            self._loading[run_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(run_id, None))
        return await asyncio.shield(loading)

    def load_now(self, run_id: str) -> Run | None:
        """The same, in the calling thread (a sync caller's)."""
        store = self.store
        found = store.get(run_id) if store is not None else None
        if found is None:
            return None
        try:
            return self._replayed(found)
        except (KeyError, TypeError, ValueError) as err:  # kept by a pipescope with other rules
            log.warning("pipescope: stored run %s cannot be replayed (%r)", run_id, err)
            return None

    @staticmethod
    def _replayed(found: StoredRun) -> Run:
        owner = Owner.stored(found.mode, found.token_sha256)
        run = Run.replayed(
            found.id,
            found.scenario,
            found.mode,
            found.backend,
            found.limits,
            owner,
            found.created,
            found.lines,
            found.source,
        )
        run.supervisor = found.supervisor
        run.stored = True
        return run

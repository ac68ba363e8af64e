"""What a run store is: finished runs kept by id, with their metadata and events, by any
backend (`app/store/sqlite.py`, `app/store/postgres.py`), each passing the same tests in
tests/store/.

A store is synchronous and thread-safe: the server calls it from threads, never from its
event loop (app/runs/archive.py). What it keeps of who may control a run is the sha256 of
the run's control token, never the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class StoreError(Exception):
    """The store cannot do what was asked (full disk, lost file, ...): the message says why."""


class StoreAway(StoreError):
    """The store's server is out of reach (a database down or unreachable); the store has
    said so in the log, once an outage, so its callers need not say it again."""


class StoreUnusable(StoreError):
    """The store cannot be opened at all (a newer schema, a directory we may not write)."""


@dataclass(frozen=True)
class StoredRun:
    id: str
    scenario: str
    mode: str
    backend: str
    limits: dict[str, Any]
    created: float  # when it started, Unix time
    token_sha256: str  # hex digest of its control token
    supervisor: int | None
    lines: list[str]  # the runner's JSON text of each event, in seq order, ending with run.end
    # A pasted program's C source (app/paste/): its run's page shows it, and nothing else
    # has it once the run has left memory.
    source: str | None = None


@dataclass(frozen=True)
class StoreStats:
    runs: int
    size: int  # bytes its runs take (compressed events and metadata)


class RunStore(Protocol):
    def put(self, run: StoredRun) -> None:
        """Keep `run` (replacing one of the same id); raise StoreError if it cannot."""

    def get(self, run_id: str) -> StoredRun | None:
        """The run, exactly as put, or None if it is not kept (or no longer readable)."""

    def delete(self, run_id: str) -> bool:
        """Forget the run; whether it was kept."""

    def sweep(self, now: float, max_age_s: float, max_size: int) -> list[str]:
        """Forget the runs stored more than `max_age_s` ago, then the oldest until the rest
        take at most `max_size` bytes; the ids forgotten."""

    def stats(self) -> StoreStats: ...

    def close(self) -> None: ...

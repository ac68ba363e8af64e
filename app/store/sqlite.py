"""The run store in one SQLite file (the standard library's sqlite3), the default.

`runs.sqlite3` in the data directory, in WAL mode: readers never wait for the writer, and a
crash loses at most the write under way, never the file. Schema and its versions:
app/store/migrations.py. One connection, shared by the server's threads under a lock;
compressing and decompressing (app/store/codec.py), the slow part, happen outside it. A run
whose chunks do not decode is reported once and treated as not kept.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from app.store.base import StoredRun, StoreError, StoreStats
from app.store.codec import Chunk, DamagedRun, decode, encode

log = logging.getLogger("pipescope.store")
FILE = "runs.sqlite3"
BUSY_TIMEOUT_S = 10
CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (the primary result code)
FIXED_SIZE = 256  # what a run's row takes besides its chunks and limits, about


def connect(path: Path, read_only: bool = False, immutable: bool = False) -> sqlite3.Connection:
    """A connection to the store file. `immutable`: read-only, with no lock and no WAL index
    to make (for a disk with no byte left; what a WAL still holds is not seen)."""
    uri = f"file:{path}?mode=ro" if read_only else f"file:{path}"
    if immutable:
        uri, read_only = f"file:{path}?immutable=1", True
    db = sqlite3.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
    )
    if not read_only:
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # takes effect on a new file only
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable across a crash
    return db


def is_corrupt(err: sqlite3.Error) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in CORRUPT_CODES


Raw = tuple[tuple[Any, ...], list[Chunk]]  # a run's row and its chunks, as read


def read_raw(
    db: sqlite3.Connection, run_id: str, indexed: bool = True, sourced: bool = True
) -> Raw | None:
    """A run's row and chunks as kept in `db`, not decoded; None if it is not there. Not
    `indexed`: by the tables alone, for a file whose indexes may be damaged (salvage.py).
    Not `sourced`: a file older than the `source` column (a damaged one is not migrated)."""
    how = "" if indexed else "NOT INDEXED"
    source = "source" if sourced else "NULL"
    row = db.execute(
        "SELECT scenario, mode, backend, limits, created, token_sha256, supervisor, events, "
        f"{source} FROM runs {how} WHERE id = ?",
        (run_id,),
    ).fetchone()
    if row is None:
        return None
    query = f"SELECT first, count, codec, data FROM chunks {how} WHERE run_id = ? ORDER BY first"
    return tuple(row), [Chunk(*found) for found in db.execute(query, (run_id,))]


def has_source(db: sqlite3.Connection) -> bool:
    """Whether the file's runs have their `source` column (migration 3)."""
    return any(column[1] == "source" for column in db.execute("PRAGMA table_info(runs)"))


def assemble(run_id: str, raw: Raw) -> StoredRun:
    """The run from its row and chunks; DamagedRun if they do not make it whole."""
    (scenario, mode, backend, limits, created, digest, supervisor, events, source), chunks = raw
    try:
        parsed = json.loads(limits)
    except ValueError as err:
        raise DamagedRun(f"its limits are not JSON: {err}") from err
    return StoredRun(
        id=run_id,
        scenario=scenario,
        mode=mode,
        backend=backend,
        limits=parsed,
        created=created,
        token_sha256=digest,
        supervisor=supervisor,
        lines=decode(chunks, events),
        source=source,
    )


def encoded(run: StoredRun) -> tuple[list[Chunk], tuple[Any, ...]]:
    """A run as either store writes it: its chunks, and its `runs` row in column order (id,
    scenario, mode, backend, limits, created, stored, token_sha256, supervisor, events, size,
    source)."""
    chunks = encode(run.lines)
    limits = json.dumps(run.limits)
    source_size = len(run.source.encode()) if run.source is not None else 0
    size = FIXED_SIZE + len(limits) + source_size + sum(len(c.data) for c in chunks)
    row = (
        run.id,
        run.scenario,
        run.mode,
        run.backend,
        limits,
        run.created,
        time.time(),
        run.token_sha256,
        run.supervisor,
        len(run.lines),
        size,
        run.source,
    )
    return chunks, row


class SqliteStore:
    def __init__(self, db: sqlite3.Connection, path: Path, sourced: bool = True) -> None:
        self.path = path
        self._db = db
        self._sourced = sourced  # False: a file of version 2, read-only (opening.py)
        self._lock = threading.Lock()
        self._reported: set[str] = set()  # damaged runs already said so

    def put(self, run: StoredRun) -> None:
        chunks, row = encoded(run)
        with self._transaction() as db:
            db.execute("DELETE FROM chunks WHERE run_id = ?", (run.id,))
            db.execute(
                "INSERT OR REPLACE INTO runs (id, scenario, mode, backend, limits, created, "
                "stored, token_sha256, supervisor, events, size, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            db.executemany(
                "INSERT INTO chunks (run_id, first, count, codec, data) VALUES (?, ?, ?, ?, ?)",
                [(run.id, c.first, c.count, c.codec, c.data) for c in chunks],
            )

    def get(self, run_id: str) -> StoredRun | None:
        try:
            with self._lock:
                raw = read_raw(self._db, run_id, sourced=self._sourced)
            return assemble(run_id, raw) if raw is not None else None  # outside the lock
        except (sqlite3.DatabaseError, DamagedRun) as err:
            if run_id not in self._reported:
                self._reported.add(run_id)
                log.warning("pipescope: stored run %s cannot be read (%s): it is lost", run_id, err)
            return None

    def delete(self, run_id: str) -> bool:
        with self._transaction() as db:
            db.execute("DELETE FROM chunks WHERE run_id = ?", (run_id,))
            return db.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount > 0

    def sweep(self, now: float, max_age_s: float, max_size: int) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT id, stored, size FROM runs ORDER BY stored DESC")
            kept, gone = 0, []
            for run_id, stored, size in rows.fetchall():
                kept += size
                if now - stored > max_age_s or kept > max_size:
                    gone.append(run_id)
        if gone:
            with self._transaction() as db:
                for run_id in gone:
                    db.execute("DELETE FROM chunks WHERE run_id = ?", (run_id,))
                    db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            with self._lock, _as_store_error():
                self._db.execute("PRAGMA incremental_vacuum")  # give the pages back to the disk
        return gone

    def stats(self) -> StoreStats:
        with self._lock, _as_store_error():
            query = "SELECT count(*), coalesce(sum(size), 0) FROM runs"
            runs, size = self._db.execute(query).fetchone()
            return StoreStats(runs=runs, size=size)

    def close(self) -> None:
        with self._lock, _as_store_error():
            self._db.close()  # the last connection out checkpoints the WAL into the file

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _as_store_error():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")  # on a full disk, this is where it fails
            except BaseException:
                if self._db.in_transaction:
                    with suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise


@contextmanager
def _as_store_error() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as err:
        raise StoreError(f"{err} ({getattr(err, 'sqlite_errorname', 'sqlite')})") from err

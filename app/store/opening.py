"""Opening the run store as the server starts, whatever state its file is in.

A new store is made; one from an older pipescope is migrated; a damaged or truncated one is
set aside and what it still holds whole is copied into a new one (salvage.py); one that
cannot be used (a newer schema, a directory the server may not write, a full disk) is left
as it is, and the server keeps runs in memory only. Whatever happened is said in one line,
and the server starts either way.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from app.store.base import RunStore, StoreError
from app.store.migrations import LATEST, NewerSchema, migrate, version
from app.store.postgres import open_postgres
from app.store.salvage import salvage, set_aside
from app.store.sqlite import FILE, SqliteStore, connect, has_source, is_corrupt

MEMORY_ONLY = "runs are kept in memory only, until the server stops"
# The oldest schema a store can be served read-only in, not migrated: each run's size (for
# its stats) came with version 2; version 3's source column it can do without.
READ_ONLY_FROM = 2


@dataclass(frozen=True)
class Opened:
    store: RunStore | None
    said: str | None  # what happened to the store, in one line, when anything did


class Damaged(Exception):
    pass


def open_store(directory: Path, database_url: str | None = None) -> Opened:
    """PostgreSQL when a database URL is set (app/store/postgres.py), else the SQLite file
    in `directory`."""
    if database_url:
        store, said = open_postgres(database_url)
        return Opened(store, said)
    return open_sqlite(directory)


def open_sqlite(directory: Path) -> Opened:
    path = directory / FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
        was = path.stat().st_size if path.exists() else None
        try:
            store, before = _open(path)
        except Damaged as damage:
            return _salvaged(path, str(damage))
    except NewerSchema as err:
        return Opened(
            None,
            f"pipescope: the run store {path} is from a newer pipescope ({err}): "
            f"it is left as it is, and {MEMORY_ONLY}",
        )
    except (OSError, sqlite3.Error, StoreError) as err:
        if _has_runs(path) and (kept := _read_only(path)):
            return Opened(
                kept,
                f"pipescope: the run store {path} cannot be written ({err}): its runs are "
                f"served read-only, and new {MEMORY_ONLY}",
            )
        return Opened(
            None, f"pipescope: the run store {path} cannot be opened ({err}): {MEMORY_ONLY}"
        )
    if was == 0:
        said = f"pipescope: the run store {path} was an empty file (0 bytes): it is a new store now"
        return Opened(store, said)
    if 0 < before < LATEST:
        runs = store.stats().runs
        said = (
            f"pipescope: the run store {path} had schema version {before}: it is brought "
            f"up to version {LATEST}, its {runs} runs kept"
        )
        return Opened(store, said)
    return Opened(store, None)


def _open(path: Path) -> tuple[SqliteStore, int]:
    """The store at `path`, migrated, and the schema version it had; Damaged if it is."""
    db: sqlite3.Connection | None = None
    try:
        if path.exists() and path.stat().st_size > 0:
            _not_newer(path)  # before anything writes to it
        db = connect(path)
        problems = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise Damaged("; ".join(problems))
        before, _ = migrate(db)
    except sqlite3.DatabaseError as err:
        if db is not None:
            db.close()
        if is_corrupt(err):
            raise Damaged(str(err)) from err
        raise
    except BaseException:
        if db is not None:
            db.close()
        raise
    return SqliteStore(db, path), before


def _has_runs(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:  # not there, or in a directory this user may not enter
        return False


def _read_only(path: Path) -> SqliteStore | None:
    """The store as it is, for reading alone (a full disk: no WAL index can be made, nor a
    migration applied), if it is of a version it can be read in and whole; its writes fail,
    and the runs they were for stay in memory."""
    try:
        db = connect(path, immutable=True)
        readable = READ_ONLY_FROM <= version(db) <= LATEST
        if not readable or db.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
            db.close()
            return None
        return SqliteStore(db, path, sourced=has_source(db))
    except sqlite3.Error:
        return None


def _not_newer(path: Path) -> None:
    with closing(connect(path, read_only=True)) as db:
        found = version(db)
    if found > LATEST:
        raise NewerSchema(f"schema version {found}; this pipescope knows up to {LATEST}")


def _salvaged(path: Path, damage: str) -> Opened:
    aside = set_aside(path)
    store, _ = _open(path)
    copied, listed = salvage(aside, store)
    said = (
        f"pipescope: the run store {path} is damaged ({damage}): it is kept aside as "
        f"{aside.name}, and the {copied} of its {listed} runs that read back whole are in "
        "a new store"
    )
    return Opened(store, said)

"""What can be saved of a damaged store file: every run that still reads back whole.

The damaged file is set aside (renamed, with its WAL, never deleted: someone may want it),
and each run it still holds whole (its row readable, every chunk decoding to its events) is
copied into a fresh store. SQLite's b-trees may be damaged anywhere: runs are listed by a
scan of their table, and where the scan breaks off, by probing the row ids after it; each
run is read through its indexes, and failing that, through its tables alone. A truncated file
(shorter than its header says) SQLite refuses to read at all: it is lengthened with zeros to
the size its header gives (a sparse extension, nothing written) while it is read, and given
back its own length after, so the pages it still has can be read and the file kept aside is
exactly as it was found.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

from app.store.codec import DamagedRun
from app.store.sqlite import SqliteStore, assemble, connect, has_source, read_raw

PROBE_ROWS = 100_000  # row ids tried one by one past the point where a scan broke off


def set_aside(path: Path) -> Path:
    """Rename the store file and its WAL out of the way; the name it now has."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while aside.exists():  # damaged twice within a second
        number += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    Path(f"{path}-shm").unlink(missing_ok=True)  # an index of the WAL, made again from it
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size == 0:
        wal.unlink()
    for suffix in ("", "-wal"):
        found = Path(f"{path}{suffix}")
        if found.exists():
            found.rename(f"{aside}{suffix}")
    return aside


def salvage(damaged: Path, into: SqliteStore) -> tuple[int, int]:
    """Copy each run of `damaged` that reads back whole into `into`: (copied, listed)."""
    made = [Path(f"{damaged}{s}") for s in ("-wal", "-shm") if not Path(f"{damaged}{s}").exists()]
    try:
        return _copy(damaged, into)
    finally:
        for path in made:  # what reading it left beside it
            path.unlink(missing_ok=True)


def _copy(damaged: Path, into: SqliteStore) -> tuple[int, int]:
    try:
        db = connect(damaged, read_only=True)
    except sqlite3.Error:
        return 0, 0
    copied = 0
    with closing(db), _full_length(damaged):
        ids = _ids(db)
        sourced = _sourced(db)
        for run_id in ids:
            for indexed in (True, False):
                with suppress(sqlite3.DatabaseError, DamagedRun, ValueError):
                    raw = read_raw(db, run_id, indexed, sourced)
                    if raw is not None:
                        into.put(assemble(run_id, raw))
                        copied += 1
                    break
    return copied, len(ids)


@contextmanager
def _full_length(path: Path) -> Iterator[None]:
    """The file as long as its header says (bytes 16-17 the page size, 28-31 the number of
    pages), while in this block."""
    size = path.stat().st_size
    with path.open("rb") as file:
        header = file.read(100)
    page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
    pages = int.from_bytes(header[28:32], "big") if len(header) == 100 else 0
    whole = (65536 if page_size == 1 else page_size) * pages
    if whole <= size:
        yield
        return
    os.truncate(path, whole)
    try:
        yield
    finally:
        os.truncate(path, size)


def _sourced(db: sqlite3.Connection) -> bool:
    """Whether its runs have a source column: a damaged file may be of any older version,
    as it is set aside before it is migrated."""
    try:
        return has_source(db)
    except sqlite3.DatabaseError:  # its schema unreadable: so are its runs, whatever is asked
        return True


def _ids(db: sqlite3.Connection) -> list[str]:
    ids: list[str] = []
    last = 0
    try:
        for rowid, run_id in db.execute("SELECT rowid, id FROM runs NOT INDEXED"):
            ids.append(run_id)
            last = rowid
        return ids
    except sqlite3.DatabaseError:
        pass
    for rowid in range(last + 1, last + 1 + PROBE_ROWS):
        with suppress(sqlite3.DatabaseError):
            row = db.execute("SELECT id FROM runs WHERE rowid = ?", (rowid,)).fetchone()
            if row is not None:
                ids.append(row[0])
    return ids
